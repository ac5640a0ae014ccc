// How power figures read on screen.
export const amps = (ma: number) => `${(ma / 1000).toFixed(2)} A`;
export const percent = (ratio: number) => `${Math.round(ratio * 100)} %`;
export const hours = (h: number) => `${(Math.round(h * 10) / 10).toFixed(1)} h`;

/** Saves bytes the API sent (base64) as a file through the browser's download. */
export function download(file: { fileName: string; mimeType: string; contentBase64: string }): void {
  const bytes = Uint8Array.from(atob(file.contentBase64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mimeType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
