/**
 * Go's `strconv.ParseBool`, the rule Docker reads most boolean strings by (a filter's
 * `is-official=`, a bridge driver option such as `enable_icc`): `1 t T TRUE true True` are true,
 * `0 f F FALSE false False` are false, anything else (`yes`, `on`, `tRUE`, ``, ` true`) is not a
 * boolean: `undefined`, where Go returns an error. Not moby's `httputils.BoolValue` (a query
 * parameter: false only for `` `0` `no` `false` `none`, true otherwise), which is its own rule.
 */
export function parseGoBool(v: string): boolean | undefined {
  switch (v) {
    case '1': case 't': case 'T': case 'TRUE': case 'true': case 'True':
      return true;
    case '0': case 'f': case 'F': case 'FALSE': case 'false': case 'False':
      return false;
    default:
      return undefined;
  }
}
