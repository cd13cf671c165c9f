/**
 * Slack's documented Block Kit limits for messages, as a checker: every problem a message has, in
 * words. Sources (see /work/shared/research/platform-rules.md §1.6):
 * - https://docs.slack.dev/reference/block-kit/blocks (50 blocks a message; each block's fields)
 * - https://docs.slack.dev/reference/block-kit/block-elements/button-element (text 75, value 2000, url 3000, action_id 255)
 * - https://docs.slack.dev/reference/block-kit/composition-objects/confirmation-dialog-object (title 100, text 300, confirm/deny 30)
 * - slackapi/python-slack-sdk slack_sdk/models/blocks/{blocks,block_elements,basic_components}.py, which
 *   encode the same numbers (SectionBlock text 3000, fields 10 × 2000, HeaderBlock 150, ContextBlock 10
 *   elements, ActionsBlock 25 elements, ImageBlock url 3000 / alt_text 2000, block_id 255, MarkdownBlock 12,000)
 * - https://docs.slack.dev/reference/methods/chat.postMessage (text truncated past 40,000 characters)
 */
export const blockKitLimits = {
  blocksPerMessage: 50,
  messageText: 40_000,
  blockId: 255,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  imageUrl: 3000,
  imageAltText: 2000,
  imageTitle: 2000,
  markdownBlocksTotal: 12_000,
} as const;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function textObject(value: unknown, where: string, max: number, problems: string[], plainOnly = false): void {
  if (!isObject(value)) {
    problems.push(`${where}: missing text object`);
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') problems.push(`${where}: text type ${String(value.type)} is neither plain_text nor mrkdwn`);
  if (plainOnly && value.type !== 'plain_text') problems.push(`${where}: must be plain_text`);
  const text = typeof value.text === 'string' ? value.text : '';
  if (text.length === 0) problems.push(`${where}: empty text`);
  if (text.length > max) problems.push(`${where}: ${text.length} characters, over ${max}`);
}

function element(value: unknown, where: string, problems: string[]): void {
  if (!isObject(value)) {
    problems.push(`${where}: not an object`);
    return;
  }
  if (typeof value.action_id === 'string' && value.action_id.length > blockKitLimits.actionId) problems.push(`${where}.action_id: over ${blockKitLimits.actionId}`);
  switch (value.type) {
    case 'button':
      textObject(value.text, `${where}.text`, blockKitLimits.buttonText, problems, true);
      if (typeof value.value === 'string' && value.value.length > blockKitLimits.buttonValue) problems.push(`${where}.value: over ${blockKitLimits.buttonValue}`);
      if (typeof value.url === 'string' && value.url.length > blockKitLimits.buttonUrl) problems.push(`${where}.url: over ${blockKitLimits.buttonUrl}`);
      if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger') problems.push(`${where}.style: ${String(value.style)} is not primary or danger`);
      if (value.confirm !== undefined) {
        const c = value.confirm as Json;
        textObject(c.title, `${where}.confirm.title`, blockKitLimits.confirmTitle, problems, true);
        textObject(c.text, `${where}.confirm.text`, blockKitLimits.confirmText, problems);
        textObject(c.confirm, `${where}.confirm.confirm`, blockKitLimits.confirmButton, problems, true);
        textObject(c.deny, `${where}.confirm.deny`, blockKitLimits.confirmButton, problems, true);
      }
      return;
    case 'image':
      if (typeof value.image_url !== 'string' || value.image_url.length > blockKitLimits.imageUrl) problems.push(`${where}.image_url: missing or over ${blockKitLimits.imageUrl}`);
      if (typeof value.alt_text !== 'string' || value.alt_text.length === 0 || value.alt_text.length > blockKitLimits.imageAltText) problems.push(`${where}.alt_text: missing or over ${blockKitLimits.imageAltText}`);
      return;
    case 'plain_text':
    case 'mrkdwn':
      textObject(value, where, blockKitLimits.sectionText, problems);
      return;
    default:
      problems.push(`${where}: element type ${String(value.type)} is not one this checker knows; add its limits`);
  }
}

/** Every documented limit the message breaks; empty when Slack would accept it. */
export function blockKitViolations(message: { text?: unknown; blocks?: unknown }): string[] {
  const problems: string[] = [];
  const text = typeof message.text === 'string' ? message.text : '';
  if (text.length > blockKitLimits.messageText) problems.push(`text: ${text.length} characters, over ${blockKitLimits.messageText}`);
  if (message.blocks === undefined) {
    if (!text) problems.push('text: a message without blocks needs text');
    return problems;
  }
  if (!Array.isArray(message.blocks)) return ['blocks: not an array'];
  const blocks = message.blocks as unknown[];
  if (blocks.length > 0 && !text) problems.push('text: messages with blocks carry fallback text for notifications');
  if (blocks.length > blockKitLimits.blocksPerMessage) problems.push(`blocks: ${blocks.length}, over ${blockKitLimits.blocksPerMessage}`);
  const ids = new Set<string>();
  let markdownTotal = 0;
  blocks.forEach((block, i) => {
    const where = `blocks[${i}]`;
    if (!isObject(block)) {
      problems.push(`${where}: not an object`);
      return;
    }
    if (typeof block.block_id === 'string') {
      if (block.block_id.length > blockKitLimits.blockId) problems.push(`${where}.block_id: over ${blockKitLimits.blockId}`);
      if (ids.has(block.block_id)) problems.push(`${where}.block_id: ${block.block_id} repeats in the message`);
      ids.add(block.block_id);
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) problems.push(`${where}: a section needs text or fields`);
        if (block.text !== undefined) textObject(block.text, `${where}.text`, blockKitLimits.sectionText, problems);
        if (block.fields !== undefined) {
          const fields = Array.isArray(block.fields) ? block.fields : [];
          if (fields.length > blockKitLimits.sectionFields) problems.push(`${where}.fields: ${fields.length}, over ${blockKitLimits.sectionFields}`);
          fields.forEach((f, j) => textObject(f, `${where}.fields[${j}]`, blockKitLimits.sectionFieldText, problems));
        }
        if (block.accessory !== undefined) element(block.accessory, `${where}.accessory`, problems);
        return;
      }
      case 'header':
        textObject(block.text, `${where}.text`, blockKitLimits.headerText, problems, true);
        return;
      case 'context': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > blockKitLimits.contextElements) problems.push(`${where}.elements: ${elements.length}, must be 1–${blockKitLimits.contextElements}`);
        elements.forEach((e, j) => element(e, `${where}.elements[${j}]`, problems));
        return;
      }
      case 'actions': {
        const elements = Array.isArray(block.elements) ? block.elements : [];
        if (elements.length === 0 || elements.length > blockKitLimits.actionsElements) problems.push(`${where}.elements: ${elements.length}, must be 1–${blockKitLimits.actionsElements}`);
        elements.forEach((e, j) => element(e, `${where}.elements[${j}]`, problems));
        return;
      }
      case 'divider':
        return;
      case 'image':
        element({ ...block, type: 'image' }, where, problems);
        if (block.title !== undefined) textObject(block.title, `${where}.title`, blockKitLimits.imageTitle, problems, true);
        return;
      case 'markdown': {
        const t = typeof block.text === 'string' ? block.text : '';
        markdownTotal += t.length;
        return;
      }
      default:
        problems.push(`${where}: block type ${String(block.type)} is not one this checker knows; add its limits`);
    }
  });
  if (markdownTotal > blockKitLimits.markdownBlocksTotal) problems.push(`markdown blocks: ${markdownTotal} characters together, over ${blockKitLimits.markdownBlocksTotal}`);
  return problems;
}
