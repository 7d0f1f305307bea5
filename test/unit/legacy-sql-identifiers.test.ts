import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory from 'knex';
import { parseIdentifier, quoteColumn, quotePart, quoteTable } from '../../nodes/lib/legacy-db/identifiers';

describe('legacy SQL identifiers: the strict check', () => {
  it('accepts plain, schema-qualified, spaced, Chinese and $ # names', () => {
    assert.deepEqual(parseIdentifier('PRD_ORDER', 'table'), ['PRD_ORDER']);
    assert.deepEqual(parseIdentifier('dbo.PRD_ORDER', 'table'), ['dbo', 'PRD_ORDER']);
    assert.deepEqual(parseIdentifier('erp."tabWork Order"', 'table'), ['erp', 'tabWork Order']);
    assert.deepEqual(parseIdentifier('tabWork Order', 'table'), ['tabWork Order']);
    assert.deepEqual(parseIdentifier('生产订单', 'table'), ['生产订单']);
    assert.deepEqual(parseIdentifier('ERP库.dbo.[生产 订单]', 'table'), ['ERP库', 'dbo', '生产 订单']);
    assert.deepEqual(parseIdentifier('`erp`.`tabWork Order`', 'table'), ['erp', 'tabWork Order']);
    assert.deepEqual(parseIdentifier('qty$', 'column'), ['qty$']);
    assert.deepEqual(parseIdentifier('工序#2', 'column'), ['工序#2']);
  });

  const refused: Array<[string, 'table' | 'column', RegExp]> = [
    ['PRD_ORDER; DROP TABLE x', 'table', /The table name 'PRD_ORDER; DROP TABLE x' is refused: ';' is not allowed/],
    ['name--x', 'column', /The column name 'name--x' is refused: it contains a comment marker/],
    ['a/*b*/', 'column', /'a\/\*b\*\/' is refused: it contains a comment marker/],
    ['ord"er', 'column', /'ord"er' is refused: '"' is not allowed/],
    ["o'brien", 'column', /'o'brien' is refused: ''' is not allowed/],
    ['[tab]le]', 'table', /'\[tab\]le\]' is refused: 'l' follows a quoted part/],
    ['"tab', 'table', /'"tab' is refused: the " opened at position 1 is never closed/],
    ['dbo.', 'table', /'dbo\.' is refused: it ends with a dot/],
    ['dbo..x', 'table', /'dbo\.\.x' is refused: it has an empty part/],
    ['a.b.c.d', 'table', /'a\.b\.c\.d' is refused: it has more than three dotted parts/],
    ['t.qty', 'column', /'t\.qty' is refused: a column name cannot be qualified with dots/],
    ['"tab  order"', 'table', /'"tab  order"' is refused: it has two spaces in a row/],
    ['" order"', 'table', /'" order"' is refused: it starts or ends with a space/],
    ['qty\tx', 'column', /'qty\tx' is refused: a tab or line break is not allowed/],
    ['a\u0000b', 'column', /the control character U\+0000 is not allowed/],
    ['x'.repeat(129), 'column', /a part is longer than 128 characters/],
  ];
  for (const [name, role, message] of refused) {
    it(`refuses the ${role} name ${JSON.stringify(name).slice(0, 30)} with a sentence naming it and why`, () => {
      assert.throws(() => parseIdentifier(name, role), message);
    });
  }

  it('refuses a missing name', () => {
    assert.throws(() => parseIdentifier('  ', 'table'), /The table name is missing/);
    assert.throws(() => parseIdentifier(undefined, 'column'), /The column name is missing \(got nothing\)/);
  });

  it('the refusal message tells which characters are allowed', () => {
    assert.throws(() => parseIdentifier('a;b', 'column'), /letters \(Chinese included\), digits, _, \$, # and single spaces between words/);
  });
});

describe('legacy SQL identifiers: quoting per dialect', () => {
  it('quotes tables with backticks (mysql), double quotes (pg, sqlite) and brackets (mssql)', () => {
    assert.equal(quoteTable('mysql', 'erp."tabWork Order"'), '`erp`.`tabWork Order`');
    assert.equal(quoteTable('pg', 'erp."tabWork Order"'), '"erp"."tabWork Order"');
    assert.equal(quoteTable('sqlite', 'tabWork Order'), '"tabWork Order"');
    assert.equal(quoteTable('mssql', 'dbo.PRD_ORDER'), '[dbo].[PRD_ORDER]');
    assert.equal(quoteTable('mssql', '生产订单'), '[生产订单]');
    assert.equal(quoteColumn('pg', '物料'), '"物料"');
  });

  it('doubles the closing quote character inside a part', () => {
    assert.equal(quotePart('mysql', 'a`b'), '`a``b`');
    assert.equal(quotePart('pg', 'a"b'), '"a""b"');
    assert.equal(quotePart('sqlite', 'a"b'), '"a""b"');
    assert.equal(quotePart('mssql', 'a]b'), '[a]]b]');
  });

  it('quotes the same way knex does for mysql, pg and mssql', () => {
    for (const [dialect, client] of [
      ['mysql', 'mysql2'],
      ['pg', 'pg'],
      ['mssql', 'mssql'],
    ] as const) {
      const knex = knexFactory({ client });
      const expected = knex.select('tabWork Order').from('dbo.PRD_ORDER').toSQL().sql;
      assert.equal(`select ${quoteColumn(dialect, 'tabWork Order')} from ${quoteTable(dialect, 'dbo.PRD_ORDER')}`, expected);
    }
  });

  it('refuses an unknown dialect', () => {
    assert.throws(() => quotePart('oracle' as never, 'x'), /'oracle' is not a SQL dialect/);
  });
});
