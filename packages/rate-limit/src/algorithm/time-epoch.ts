/**
 * Origin of the time both implementations count in, 2023-11-14T22:13:20Z, in ms. Times near
 * now stay small, so doubles keep them precise to far below a microsecond; and the memory
 * fallback aligns sliding windows exactly like the script does.
 */
export const TIME_EPOCH_MS = 1_700_000_000_000;
