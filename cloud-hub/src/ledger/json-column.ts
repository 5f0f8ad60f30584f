// Reading the ledger's JSON text columns. A damaged value reads as null, so one bad row never
// fails a whole list or report.
export function readJsonColumn(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
