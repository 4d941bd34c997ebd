import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/http/api-responses';
import { JobList, JobView, ListJobsQuery, QueueList } from './queue.dto';
import { QueuesService } from './queues.service';

/** The operators' queue view (docs/METRICS.md): global admins only. */
@ApiTags('queues')
@Controller('v1/queues')
export class QueuesController {
  constructor(private readonly queues: QueuesService) {}

  @Get()
  @ApiOkResponse({ type: QueueList })
  @ApiProblems()
  async list(): Promise<QueueList> {
    return { items: await this.queues.list() };
  }

  @Get(':name/jobs')
  @ApiOkResponse({ type: JobList })
  @ApiProblems([404, 'not_found: no such queue'])
  async jobs(@Param('name') name: string, @Query() q: ListJobsQuery): Promise<JobList> {
    return { items: await this.queues.jobs(name, q.state ?? 'failed', q.limit ?? 50) };
  }

  @Post(':name/jobs/:job/retry')
  @HttpCode(200)
  @ApiOkResponse({ type: JobView })
  @ApiProblems([404, 'not_found: no such queue or job'], [409, 'conflict: the job is not failed'])
  retry(@Param('name') name: string, @Param('job') id: string): Promise<JobView> {
    return this.queues.retry(name, id);
  }
}
