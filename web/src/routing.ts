/** An ABA routing number: nine digits whose weighted sum (3, 7, 1 repeating) is a multiple of 10 —
 * the check the API makes too (models/external.py), made here so a typo is caught on the field. */
export function isRoutingNumber(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(value[i]), 0);
  return sum % 10 === 0;
}
