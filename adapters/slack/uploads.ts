import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Logger } from '../../src/logging.ts';
import { replyImages, type Reply, type ReplyImage } from '../../src/reply.ts';
import { escapeMrkdwn } from './mrkdwn.ts';

/** Slack refuses longer image descriptions (`alt_txt_too_large`). */
export const maxAltChars = 1000;
const maxTitleChars = 250;

const UploadUrl = z.object({ upload_url: z.url(), file_id: z.string().min(1) });

/**
 * Puts a reply's pictures (metric charts, diagrams) into the thread with Slack's current upload
 * flow: `files.getUploadURLExternal` (name, byte length, alt text), a POST of the bytes to the
 * returned URL, then `files.completeUploadExternal` with `channel_id` and `thread_ts`, which shares
 * the file in that thread. The three steps are the SDK's `files.uploadV2`, called one by one because
 * the SDK sends the alt text as `alt_text` while Slack documents `alt_txt`. A failed upload is said
 * in the thread (with its alt text), never fatal to the answer.
 */
/** `token`: the workspace's bot token when the client has none of its own (multi-workspace OAuth). */
export async function uploadReplyImages(client: WebClient, channel: string, threadTs: string, reply: Reply, log: Logger, token?: string): Promise<void> {
  for (const picture of replyImages(reply)) {
    try {
      await uploadImage(client, channel, threadTs, picture, token);
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error ?? (error as Error).message;
      log.warn({ err: error, channel, file: picture.image.fileName }, 'image upload failed');
      await client.chat.postMessage({ ...(token ? { token } : {}), channel, thread_ts: threadTs, text: uploadFailureText(code, picture), unfurl_links: false })
        .catch((postError: unknown) => log.warn({ err: postError, channel }, 'could not report the failed upload'));
    }
  }
}

export async function uploadImage(client: WebClient, channel: string, threadTs: string, { title, image }: ReplyImage, token?: string): Promise<string> {
  const bytes = Buffer.from(image.png);
  const alt = image.alt.length <= maxAltChars ? image.alt : `${image.alt.slice(0, maxAltChars - 1)}…`;
  const target = UploadUrl.parse(await client.apiCall('files.getUploadURLExternal', { ...(token ? { token } : {}), filename: image.fileName, length: bytes.length, alt_txt: alt }));
  const posted = await fetch(target.upload_url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  if (!posted.ok) throw new Error(`Slack's upload URL answered HTTP ${posted.status}`);
  await client.files.completeUploadExternal({
    ...(token ? { token } : {}),
    files: [{ id: target.file_id, title: title.length <= maxTitleChars ? title : `${title.slice(0, maxTitleChars - 1)}…` }],
    channel_id: channel,
    thread_ts: threadTs,
  });
  return target.file_id;
}

function uploadFailureText(code: string, picture: ReplyImage): string {
  const hint = code === 'missing_scope' || code === 'not_allowed_token_type'
    ? ' Add the `files:write` scope to the app (manifests/slack-app.yaml) and reinstall it.'
    : code === 'file_uploads_disabled' || code === 'file_uploads_except_images_disabled'
      ? ' File uploads are disabled in this workspace.'
      : '';
  return `:frame_with_picture: I could not attach "${escapeMrkdwn(picture.title)}" (${escapeMrkdwn(code)}).${hint} What it shows: ${escapeMrkdwn(picture.image.alt)}`.slice(0, 3000);
}
