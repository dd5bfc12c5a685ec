// Express 4 is installed under the alias `express4` so that the middleware tests run against
// both majors; its API used here is typed like Express 5's.
declare module 'express4' {
  import express = require('express');
  export = express;
}
