/** `logs` for `logs.eu-west-1.amazonaws.com`, `delivery.logs` for `delivery.logs.amazonaws.com`. */
export function serviceName(text: string): string {
  return text
    .toLowerCase()
    .replace(/\.(amazonaws\.com(\.cn)?|\$\{aws::urlsuffix\})$/, '')
    .replace(/\.([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d|\$\{aws::region\})$/, '');
}
