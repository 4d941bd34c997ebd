import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/http/api-responses';
import { DryRunDto, DryRunView } from './dry-run.dto';
import { DryRunService } from './dry-run.service';

@ApiTags('placement')
@Controller('v1/placement')
export class PlacementController {
  constructor(private readonly dryRuns: DryRunService) {}

  /** Where a hypothetical create would land, and why not: nothing is claimed or written. */
  @Post('dry-run')
  @HttpCode(200)
  @ApiOkResponse({ type: DryRunView })
  @ApiProblems()
  dryRun(@Body() dto: DryRunDto): Promise<DryRunView> {
    return this.dryRuns.run(dto);
  }
}
