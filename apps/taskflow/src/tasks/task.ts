import { BadRequestException } from '@nestjs/common';

/** Where a task stands. */
export type TaskStatus = 'todo' | 'doing' | 'done';

/** A task as stored and served. */
export interface Task {
  id: string;
  title: string;
  description: string;
  status: TaskStatus;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; the newest write wins when writes made during an outage are replayed. */
  updatedAt: string;
}

/** Body of `POST /tasks`. */
export interface CreateTaskInput {
  title: string;
  description: string;
  status: TaskStatus;
}

/** Body of `PATCH /tasks/:id`: any subset of the editable fields. */
export type UpdateTaskInput = Partial<CreateTaskInput>;

const statuses: readonly TaskStatus[] = ['todo', 'doing', 'done'];
const maxTitleLength = 200;
const maxDescriptionLength = 5_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkFields(body: Record<string, unknown>, problems: string[]): UpdateTaskInput {
  const input: UpdateTaskInput = {};
  for (const field of Object.keys(body)) {
    if (field !== 'title' && field !== 'description' && field !== 'status') {
      problems.push(`${field}: unknown field (expected title, description, status)`);
    }
  }
  if (body.title !== undefined) {
    if (typeof body.title !== 'string' || body.title.trim() === '') {
      problems.push('title: must be a non-empty string');
    } else if (body.title.length > maxTitleLength) {
      problems.push(`title: at most ${maxTitleLength} characters`);
    } else {
      input.title = body.title.trim();
    }
  }
  if (body.description !== undefined) {
    if (typeof body.description !== 'string') {
      problems.push('description: must be a string');
    } else if (body.description.length > maxDescriptionLength) {
      problems.push(`description: at most ${maxDescriptionLength} characters`);
    } else {
      input.description = body.description;
    }
  }
  if (body.status !== undefined) {
    if (typeof body.status !== 'string' || !statuses.includes(body.status as TaskStatus)) {
      problems.push(`status: must be one of ${statuses.join(', ')}`);
    } else {
      input.status = body.status as TaskStatus;
    }
  }
  return input;
}

function fail(problems: readonly string[]): never {
  throw new BadRequestException({ statusCode: 400, message: 'Invalid task', problems });
}

/** Validates the body of `POST /tasks`; throws a 400 listing every problem. */
export function parseCreateTask(body: unknown): CreateTaskInput {
  if (!isRecord(body)) fail(['body: must be a JSON object']);
  const problems: string[] = [];
  if (body.title === undefined) problems.push('title: required');
  const input = checkFields(body, problems);
  if (problems.length > 0 || input.title === undefined) fail(problems);
  return {
    title: input.title,
    description: input.description ?? '',
    status: input.status ?? 'todo',
  };
}

/** Validates the body of `PATCH /tasks/:id`; throws a 400 listing every problem. */
export function parseUpdateTask(body: unknown): UpdateTaskInput {
  if (!isRecord(body)) fail(['body: must be a JSON object']);
  const problems: string[] = [];
  const input = checkFields(body, problems);
  if (Object.keys(body).length === 0) problems.push('body: give at least one field to change');
  if (problems.length > 0) fail(problems);
  return input;
}

/** Task ids are UUIDs: unique even when created on different instances during an outage. */
export function isTaskId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
}

/** Parses a stored task; undefined for anything that is not one (a foreign key, a bad value). */
export function decodeTask(text: string | null | undefined): Task | undefined {
  if (text === null || text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || typeof value.id !== 'string' || typeof value.title !== 'string') {
      return undefined;
    }
    return value as unknown as Task;
  } catch {
    return undefined;
  }
}
