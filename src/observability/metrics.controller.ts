import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppMetrics } from './app-metrics.js';

/**
 * `GET /metrics` for Prometheus, registered only with METRICS=1. Not `@Public()`: with API_TOKEN
 * set the scraper sends the token like any client (Prometheus' `authorization` setting).
 */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: AppMetrics) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics: request durations, SQL statements and entities per request, pool, process',
    description: 'The text exposition format, for a Prometheus scraper; a 404 unless the server has METRICS=1.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format (version 0.0.4)',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example: 'db_statements_per_request_bucket{le="1",method="GET",route="/users/:id"} 3',
        },
      },
    },
  })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    res.setHeader('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
