export { RedGridError } from './errors/redgrid-error.js';
