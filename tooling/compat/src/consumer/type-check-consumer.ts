import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { runCommand } from './run-command.js';

/** Options for {@link typeCheckConsumer}. */
export interface TypeCheckConsumerOptions {
  repoRoot: string;
  directory: string;
  /** The application's TypeScript files, relative to `directory`. */
  files: readonly string[];
  /** Compiler options a consumer of this framework needs (e.g. `experimentalDecorators`). */
  compilerOptions?: Record<string, unknown>;
  /** Emit JavaScript next to the sources (to run them) instead of only checking. */
  emit?: boolean;
}

/**
 * Compiles a consumer application with the workspace's TypeScript (the locked version) under
 * `strict` and with `skipLibCheck: false`, so that every declaration file the application
 * reaches, ours in `@redgrid/*` and our dependencies' (ioredis), is checked as a strict user
 * would see it. Rejects with the compiler's output when it reports an error.
 */
export async function typeCheckConsumer(options: TypeCheckConsumerOptions): Promise<void> {
  const { repoRoot, directory, files, compilerOptions = {}, emit = false } = options;
  const tsconfig = {
    compilerOptions: {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      skipLibCheck: false,
      types: ['node'],
      lib: ['es2023'],
      noEmit: !emit,
      ...compilerOptions,
    },
    files,
  };
  await writeFile(path.join(directory, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const typescript = createRequire(path.join(repoRoot, 'package.json')).resolve(
    'typescript/package.json',
  );
  const tsc = path.join(path.dirname(typescript), 'bin', 'tsc');
  await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: directory });
}
