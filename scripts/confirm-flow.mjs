// flows/erp-confirm.json: a small example of erp-confirm (MES confirmations written back to the ERP through the
// endpoint's preset), so that Import ▸ Examples shows every node of the pack (node-red-dev N02). Its config
// nodes take the same environment as the demo plant's (ERP_BASE_URL, ERP_PROFILE, …).
const z = 'erp-confirm-example';

export function confirmFlow() {
  const sample = { orderNo: 'MO-2026-0001', opNo: '0040', yieldQty: 4980, scrapQty: 20, unit: 'PCS', finalConfirmation: true, postedAt: '2026-11-26T16:00:00+08:00', key: 'MES-EV-000123', workCentre: 'WC-LEAK1', operator: '张伟' };
  return [
    {
      id: z,
      type: 'tab',
      label: '报工确认 ERP confirmations',
      disabled: false,
      info: 'An MES operation confirmation (schema confirmation) written back to the ERP exactly once per key, through the durable outbox: output 1 once it is durable, output 2 with what the ERP did.\n\nMES 工序报工确认(confirmation)经持久化发件箱回写 ERP,每个 key 只写一次:输出 1 表示已持久化,输出 2 为 ERP 的处理结果。',
    },
    {
      id: 'confirm-sample',
      type: 'inject',
      z,
      name: '报工确认 Sample confirmation',
      props: [{ p: 'payload' }],
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      payload: JSON.stringify(sample),
      payloadType: 'json',
      x: 170,
      y: 80,
      wires: [['confirm-to-erp']],
    },
    { id: 'confirm-to-erp', type: 'erp-confirm', z, name: '回写 ERP Confirm to ERP', endpoint: 'confirm-erp', store: 'confirm-store', maxAttempts: 10, x: 420, y: 80, wires: [['confirm-durable'], ['confirm-outcome']] },
    { id: 'confirm-durable', type: 'debug', z, name: '已持久化 durable', active: true, tosidebar: true, console: false, tostatus: false, complete: 'accepted', targetType: 'msg', statusVal: '', statusType: 'auto', x: 650, y: 60, wires: [] },
    {
      id: 'confirm-outcome',
      type: 'debug',
      z,
      name: 'ERP 结果 outcome',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'true',
      targetType: 'full',
      statusVal: 'topic',
      statusType: 'msg',
      x: 650,
      y: 100,
      wires: [],
    },
    {
      id: 'confirm-erp',
      type: 'erp-endpoint',
      name: 'ERP (confirmations)',
      baseUrl: 'ERP_BASE_URL',
      baseUrlType: 'env',
      profile: '${ERP_PROFILE}',
      profileJson: '',
      params: '${ERP_PARAMS}',
      authType: 'basic',
      username: 'ERP_USERNAME',
      usernameType: 'env',
      passwordEnv: 'ERP_PASSWORD',
      tokenEnv: 'ERP_TOKEN',
      timeoutSec: 30,
      retryBaseSec: 5,
      retryMaxSec: 300,
      rejectUnauthorized: true,
      caFile: '',
    },
    { id: 'confirm-store', type: 'bridge-store', name: 'Confirmations store', storeType: 'sqlite', file: 'bridge-store-confirmations.sqlite' },
  ];
}
