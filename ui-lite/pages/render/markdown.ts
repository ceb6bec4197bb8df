/**
 * Markdown from span content and queue instructions, made safe to show: markdown-it with
 * raw HTML off (any HTML in the text is shown as text) and only http(s)/mailto links, then
 * sanitize-html with a short allowlist as a second guard. Links open in a new tab without
 * the opener; images are never loaded (they would be requests to other origins): an image
 * becomes a link to it.
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
const SAFE_LINK = /^(https?:|mailto:)/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());
md.renderer.rules.image = (tokens, i) => {
  const t = tokens[i];
  const src = String(t.attrGet('src') ?? '');
  const alt = String(t.content || 'image');
  return SAFE_LINK.test(src) ? `<a href="${md.utils.escapeHtml(src)}">[image: ${md.utils.escapeHtml(alt)}]</a>` : `[image: ${md.utils.escapeHtml(alt)}]`;
};

const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href'], ol: ['start'], th: ['align'], td: ['align'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) },
};

export function renderMarkdown(text: string): string {
  return sanitizeHtml(md.render(text), { ...ALLOWED, allowedAttributes: { ...ALLOWED.allowedAttributes, a: ['href', 'rel', 'target'] } });
}
