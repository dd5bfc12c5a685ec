// `pnpm demo` will start apps/taskflow (the demo service) once it exists; until then it says so.
console.log('The taskflow demo (apps/taskflow) is not built yet: see README.md, "Status".');
