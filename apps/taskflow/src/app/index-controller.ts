import { Controller, Get } from '@nestjs/common';

/** `GET /`: what the service offers, for someone who just started the demo. */
@Controller()
export class IndexController {
  @Get()
  index() {
    return {
      service: 'taskflow',
      endpoints: {
        'POST /tasks':
          'create a task: {"title": "...", "description"?: "...", "status"?: "todo|doing|done"}',
        'GET /tasks': 'list tasks, newest first (?limit=100)',
        'GET /tasks/:id': 'one task, through the cache (X-Cache: hit|miss)',
        'PATCH /tasks/:id': 'change title, description or status',
        'GET /health': 'overall status',
        'GET /health/detailed': 'Redis latency, node count, breaker, fallback use',
        'GET /metrics': 'Prometheus metrics',
      },
    };
  }
}
