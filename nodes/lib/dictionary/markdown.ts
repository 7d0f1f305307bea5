// The data dictionary as one bilingual Markdown document (docs/data-dictionary.md), for people who read it
// outside the editor: one table per message, ERP columns where the presets read or write the message.
import type { DataDictionary, DictionaryField, DictionaryMessage } from './data-dictionary';

const cell = (text: string | undefined): string => (text ?? '').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (names: string[] | undefined): string => (names && names.length > 0 ? names.map((n) => `\`${cell(n)}\``).join(', ') : '');

function presetColumns(message: DictionaryMessage, dictionary: DataDictionary): string[] {
  return Object.keys(dictionary.presets).filter((id) => message.fields.some((f) => f.erp?.[id]));
}

function row(field: DictionaryField, presets: string[], contract: boolean): string {
  const cells = [`\`${cell(field.path)}\``, cell(field.type), cell(field.unit), field.required ? '✓' : '', cell(field.constraints), cell(field.meaning['en-US']), cell(field.meaning['zh-CN'])];
  if (contract) cells.push(field.from ? `\`${cell(field.from)}\`` : '', cell(field.map));
  for (const id of presets) cells.push(code(field.erp?.[id]));
  return `| ${cells.join(' | ')} |`;
}

function section(message: DictionaryMessage, dictionary: DataDictionary): string {
  const presets = presetColumns(message, dictionary);
  const contract = message.fields.some((f) => f.from !== undefined);
  const head = ['Field 字段', 'Type 类型', 'Unit 单位', 'Req. 必填', 'Bounds 约束', 'Meaning', '含义'];
  if (contract) head.push('From production order 来自生产订单', 'Code table 编码表');
  for (const id of presets) head.push(dictionary.presets[id]);
  return [
    `## ${message.title['en-US']} · ${message.title['zh-CN']}`,
    '',
    `<a id="${message.name}"></a>\`schemas/${message.name}.schema.json\` — ${cell(message.description)}`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...message.fields.map((f) => row(f, presets, contract)),
    '',
  ].join('\n');
}

export function dataDictionaryMarkdown(dictionary: DataDictionary): string {
  const fieldCount = dictionary.messages.reduce((n, m) => n + m.fields.length, 0);
  return [
    '# Data dictionary · 数据字典',
    '',
    `Every field of every message that crosses a boundary of the bridge: ${dictionary.messages.length} messages, ${fieldCount} fields.`,
    '桥接器所有边界消息的全部字段：类型、单位、约束、中英文含义，以及在各 ERP 预设与 MES 合同中的来源和去向。',
    '',
    'Generated from `schemas/` and `schemas/dictionary/` by `npm run data-dictionary`; do not edit by hand. The same',
    'dictionary is in the editor (sidebar 数据字典 / Data dictionary) and at `GET <admin root>/erp-mes-bridge/data-dictionary`.',
    '由 `npm run data-dictionary` 生成，请勿手工修改；编辑器侧栏“数据字典”中可查阅同一内容。',
    '',
    '## Contents · 目录',
    '',
    ...dictionary.messages.map((m) => `- [${m.title['en-US']} · ${m.title['zh-CN']}](#${m.name})`),
    '',
    ...dictionary.messages.map((m) => section(m, dictionary)),
  ].join('\n');
}
