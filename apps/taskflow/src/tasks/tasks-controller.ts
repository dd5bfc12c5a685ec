import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { RateLimit, type RateLimitRequest } from '@redgrid/nestjs';
import type { Response } from 'express';
import { isTaskId, parseCreateTask, parseUpdateTask, type Task } from './task.js';
import { TaskRepository } from './task-repository.js';

function requireId(id: string): string {
  if (!isTaskId(id)) throw new NotFoundException({ statusCode: 404, message: 'No such task' });
  return id;
}

/** Marks answers that came from the in-memory fallback because Redis was unusable. */
function markDegraded(response: Response, degraded: boolean): void {
  if (degraded) response.setHeader('X-Taskflow-Degraded', 'true');
}

/**
 * The task API. Writes (`POST /tasks`, `PATCH /tasks/:id`) pass the Express `rateLimit()`
 * middleware mounted in `AppModule`; updates are also limited per client and task by the Nest
 * `@RateLimit()` guard.
 */
@Controller('tasks')
export class TasksController {
  readonly #tasks: TaskRepository;

  constructor(@Inject(TaskRepository) tasks: TaskRepository) {
    this.#tasks = tasks;
  }

  @Post()
  @HttpCode(201)
  async create(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Task> {
    const { task, degraded } = await this.#tasks.create(parseCreateTask(body));
    markDegraded(response, degraded);
    response.setHeader('Location', `/tasks/${task.id}`);
    return task;
  }

  @Get()
  async list(
    @Query('limit') limit: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ tasks: Task[] }> {
    const count = Math.min(Math.max(Number.parseInt(limit ?? '100', 10) || 100, 1), 1_000);
    const { tasks, degraded } = await this.#tasks.list(count);
    markDegraded(response, degraded);
    return { tasks };
  }

  @Get(':id')
  async get(
    @Param('id') id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Task> {
    const read = await this.#tasks.get(requireId(id));
    if (read.task === undefined) {
      throw new NotFoundException({ statusCode: 404, message: 'No such task' });
    }
    response.setHeader('X-Cache', read.cache);
    markDegraded(response, read.degraded);
    return read.task;
  }

  @Patch(':id')
  @RateLimit({
    name: 'task-update',
    limit: 10,
    windowMs: 60_000,
    // Per client and task: one client cannot hammer a single task.
    key: (request: RateLimitRequest) => `${request.ip ?? 'unknown'}:${request.params?.id ?? ''}`,
  })
  async update(
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Task> {
    const result = await this.#tasks.update(requireId(id), parseUpdateTask(body));
    if (result === undefined) {
      throw new NotFoundException({ statusCode: 404, message: 'No such task' });
    }
    markDegraded(response, result.degraded);
    return result.task;
  }
}
