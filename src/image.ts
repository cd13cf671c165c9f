/** A picture adapters can attach (Slack file upload, Teams inline image): charts and diagrams alike. */
export interface ChatImage {
  mimeType: 'image/png';
  png: Uint8Array;
  width: number;
  height: number;
  /** What the picture shows, for screen readers and notification text. */
  alt: string;
  /** A file name adapters can use. */
  fileName: string;
}
