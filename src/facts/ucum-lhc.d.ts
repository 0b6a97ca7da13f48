/**
 * The part of `@lhncbc/ucum-lhc` (NLM's UCUM library, which ships no TypeScript declarations) that Verdict uses.
 * See `node_modules/@lhncbc/ucum-lhc/source/ucumLhcUtils.js` for the full documentation.
 */
declare module '@lhncbc/ucum-lhc' {
  export interface UcumConversionResult {
    /** `succeeded`, `failed` (units not commensurable or unknown) or `error` (bad input). */
    status: 'succeeded' | 'failed' | 'error';
    toVal: number | null;
    msg: string[];
  }

  export interface UcumValidationResult {
    /** `valid`, `invalid` or `error`. */
    status: 'valid' | 'invalid' | 'error';
    ucumCode: string | null;
    msg: string[];
  }

  export class UcumLhcUtils {
    static getInstance(): UcumLhcUtils;
    convertUnitTo(fromUnitCode: string, fromVal: number, toUnitCode: string): UcumConversionResult;
    validateUnitString(unit: string): UcumValidationResult;
  }
}
