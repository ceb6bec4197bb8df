/**
 * Untrusted text rendered as markdown runs and loads nothing: script, event handlers,
 * javascript: links, SVG and CSS payloads come out as text or not at all.
 */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.js';

describe('renderMarkdown', () => {
  it('renders ordinary markdown', () => {
    expect(renderMarkdown('**Paris** is the `capital`\n\n- one\n- two')).toBe('<p><strong>Paris</strong> is the <code>capital</code></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n');
    expect(renderMarkdown('[docs](https://example.com/a?b=1)')).toBe('<p><a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow" target="_blank">docs</a></p>\n');
  });

  it.each([
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)><circle/></svg>',
    '<style>body{background:url(https://evil.example/x)}</style>',
    '<a href="javascript:alert(1)">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<div style="background:url(https://evil.example/x)">x</div>',
  ])('shows %s as text, never as markup', (payload) => {
    const html = renderMarkdown(payload);
    expect(html).not.toMatch(/<(script|img|svg|style|iframe|div)\b/i);
    // Inside a real tag (text shows the payload escaped, which is harmless).
    expect(html).not.toMatch(/<[a-z][^>]*\son\w+=/i);
    expect(html).not.toMatch(/<a [^>]*href="javascript/i);
    expect(html).toContain('&lt;');
  });

  it.each([
    ['[x](javascript:alert(1))', 'javascript'],
    ['[x](data:text/html,<script>alert(1)</script>)', 'data:'],
    ['[x](vbscript:msgbox)', 'vbscript'],
    ['![pic](https://evil.example/track.png)', '<img'],
  ])('refuses the link or image in %s', (payload, absent) => {
    expect(renderMarkdown(payload)).not.toContain(absent === '<img' ? '<img' : `href="${absent}`);
  });

  it('turns an image into a link rather than loading it', () => {
    expect(renderMarkdown('![chart](https://example.com/c.png)')).toContain('<a href="https://example.com/c.png" rel="noopener noreferrer nofollow" target="_blank">[image: chart]</a>');
  });
});
