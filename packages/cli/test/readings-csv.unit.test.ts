import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvHeaderError, readCsvReadings } from '../src/readings-csv.js';

const read = async (text: string | string[]) => {
  const rows = [];
  for await (const row of readCsvReadings(Readable.from(Array.isArray(text) ? text : [text]))) rows.push(row);
  return rows;
};

describe('readings from CSV (csv-parse, line numbers as in the file)', () => {
  it('maps channelId, time and value by the header (any order, any case); other columns are ignored', async () => {
    expect(
      await read(
        '\uFEFFValue,TIME,unit,ChannelId\r\n1.5,2026-01-01T00:00:00Z,W,a\r\n-2e3,2026-01-01T00:01:00Z,W,b\r\n',
      ),
    ).toEqual([
      { kind: 'reading', line: 2, reading: { channelId: 'a', time: '2026-01-01T00:00:00Z', value: 1.5 } },
      { kind: 'reading', line: 3, reading: { channelId: 'b', time: '2026-01-01T00:01:00Z', value: -2000 } },
    ]);
  });

  it('counts lines as an editor does: blank lines, quoted line breaks, CRLF, LF and CR mixed, chunks split anywhere', async () => {
    const text =
      '\r\nchannelId,note,time,value\r\na,x,t1,1\n\nb,"two\r\nlines",t2,2\rc,"three\nlines\nhere",t3,3\r\nd,,t4,4\n';
    const expected = [
      ['a', 3],
      ['b', 5],
      ['c', 7],
      ['d', 10],
    ];
    const lines = (rows: Awaited<ReturnType<typeof read>>) =>
      rows.map((r) => [r.kind === 'reading' ? r.reading.channelId : r.detail, r.line]);
    expect(lines(await read(text))).toEqual(expected);
    // The same text arriving a byte at a time.
    expect(lines(await read([...text]))).toEqual(expected);
  });

  it('reports rows it cannot read by line, and reads on', async () => {
    const text = [
      'channelId,time,value',
      'a,t,1', // 2
      'a,t,abc', // 3
      'a,t,', // 4
      'a', // 5
      ',t,1', // 6
      'a,t,NaN', // 7
      'a,t,0x10', // 8
      'a,t,1e999', // 9
      `${'x'.repeat(65)},t,1`, // 10
      'a,t, 12.5 ', // 11
      '  ', // 12: blank
      'a,"t",".5"', // 13
      'a,t,ab"c', // 14: a stray quote is kept as it is
      'a,"open,1', // 15: never closed
      'a,t,2', // 16: swallowed by the open quote
    ].join('\n');
    expect(
      (await read(text)).map((r) => (r.kind === 'reading' ? [r.line, r.reading.value] : [r.line, r.detail])),
    ).toEqual([
      [2, 1],
      [3, 'value "abc" is not a number'],
      [4, 'value is missing'],
      [5, 'time, value are missing (the row has only 1 field)'],
      [6, 'channelId is missing'],
      [7, 'value "NaN" is not a number'],
      [8, 'value "0x10" is not a number'],
      [9, 'value "1e999" is out of range'],
      [10, 'channelId is longer than 64 characters'],
      [11, 12.5],
      [13, 0.5],
      [14, 'value "ab"c" is not a number'],
      [15, 'a quoted field opened after line 14 is never closed: the rest of the file could not be read'],
    ]);
  });

  it('refuses a file without a header naming the three columns', async () => {
    await expect(read('')).rejects.toThrow(
      new CsvHeaderError('the file is empty: it needs a header line naming channelId, time and value'),
    );
    await expect(read('\n\nchannel,time,value\n')).rejects.toThrow(
      'line 3: the header must name the columns channelId, time and value (missing channelId; it has channel, time, value)',
    );
  });
});
