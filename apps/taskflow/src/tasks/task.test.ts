import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { decodeTask, isTaskId, parseCreateTask, parseUpdateTask } from './task.js';

function problemsOf(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    if (error instanceof BadRequestException)
      return (error.getResponse() as { problems: unknown }).problems;
    throw error;
  }
  throw new Error('expected a BadRequestException');
}

describe('task validation', () => {
  it('fills defaults on create', () => {
    expect(parseCreateTask({ title: '  Write the README ' })).toEqual({
      title: 'Write the README',
      description: '',
      status: 'todo',
    });
  });

  it('lists every problem at once', () => {
    expect(problemsOf(() => parseCreateTask({ status: 'later', owner: 'ada' }))).toEqual([
      'title: required',
      'owner: unknown field (expected title, description, status)',
      'status: must be one of todo, doing, done',
    ]);
    expect(problemsOf(() => parseCreateTask('title'))).toEqual(['body: must be a JSON object']);
    expect(problemsOf(() => parseUpdateTask({}))).toEqual([
      'body: give at least one field to change',
    ]);
  });

  it('accepts a partial update', () => {
    expect(parseUpdateTask({ status: 'done' })).toEqual({ status: 'done' });
  });

  it('recognizes ids and stored tasks', () => {
    expect(isTaskId('0b5e6a39-4f55-4c1b-9f77-2f0f3c1f7a10')).toBe(true);
    expect(isTaskId('../etc')).toBe(false);
    expect(decodeTask('{"id":"x","title":"t"}')).toEqual({ id: 'x', title: 't' });
    expect(decodeTask('not json')).toBeUndefined();
    expect(decodeTask(null)).toBeUndefined();
  });
});
