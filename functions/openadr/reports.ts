import {
  createReport,
  deleteReport,
  getReport,
  listReports,
  updateReport,
} from '../../lib/app/openadr/reports.ts';
import { openadrHandler, paginate } from './handler.ts';

/**
 * Reports: a VEN writes its own (each feeds its building's telemetry; an opted-out state declines
 * the command); a BL reads all of them, a VEN only its own.
 */
export const { handler, makeHandler } = openadrHandler('reports', {
  searchAllReports: async ({ deps, caller, query }) =>
    paginate(await listReports(deps, caller, query), query),
  createReport: async ({ deps, caller, body }) => createReport(deps, caller, body),
  searchReportsByReportID: async ({ deps, caller, params }) => getReport(deps, caller, params.reportID),
  updateReport: async ({ deps, caller, params, body }) => updateReport(deps, caller, params.reportID, body),
  deleteReport: async ({ deps, caller, params }) => deleteReport(deps, caller, params.reportID),
});
