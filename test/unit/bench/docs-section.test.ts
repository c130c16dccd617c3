import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { replaceSection } from '../../../bench/lib/docs-section.ts';

describe('replaceSection', () => {
  const section = '## Ingest\n\nnew figures\n';

  it('replaces only its own section', () => {
    const doc =
      '# Benchmarks\n\n## Merkle\n\nm\n\n## Ingest\n\nold\n\n### detail\n\nold too\n\n## Mining\n\nx\n';
    assert.equal(
      replaceSection(doc, '## Ingest', section),
      '# Benchmarks\n\n## Merkle\n\nm\n\n## Ingest\n\nnew figures\n\n## Mining\n\nx\n',
    );
  });

  it('replaces a last section up to the end of the file', () => {
    assert.equal(
      replaceSection('# B\n\n## Ingest\n\nold\n', '## Ingest', section),
      '# B\n\n## Ingest\n\nnew figures\n',
    );
  });

  it('appends a missing section', () => {
    assert.equal(
      replaceSection('# B\n\n## Merkle\n\nm\n', '## Ingest', section),
      '# B\n\n## Merkle\n\nm\n\n## Ingest\n\nnew figures\n',
    );
  });

  it('replaces a subsection up to the next heading of its level, keeping the curated text around it', () => {
    const doc = '## Fleet\n\ncurated\n\n### Latest run\n\nold\n\n### Notes\n\nkept\n\n## Next\n\nx\n';
    assert.equal(
      replaceSection(doc, '### Latest run', '### Latest run\n\nnew\n'),
      '## Fleet\n\ncurated\n\n### Latest run\n\nnew\n\n### Notes\n\nkept\n\n## Next\n\nx\n',
    );
  });
});
