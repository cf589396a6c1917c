// Compiled with `tsc --noEmit` by tests/typings.test.js: the declarations
// in index.d.ts accept the documented calls and reject wrong ones.
import winston = require('winston')
import { Logger, LogfortTransport, context, middleware, mask, version, type LoggerConfig } from '../..'

const config: LoggerConfig = { name: 'app', level: 'info', service: 'svc', sinks: [{ type: 'file', path: 'x.log', minLevel: 'error' }] }
const logger = new Logger(config)
logger.info('plain')
logger.info({ a: 1 }, 'with %s', 'args')
logger.error(new Error('boom'))
logger.level = 'debug'
const enabled: boolean = logger.isLevelEnabled('trace')
const child: Logger = logger.child({ request: 'r1' }, { name: 'db', level: 'warn' })
child.audit({ action: 'read', resourceType: 'doc', resourceId: 'd1' })
child.security('login_failed', { severity: 'warning', clientIp: '10.0.0.1' })
child.performance('db_query', 12.5, { rows: 3, success: true })
child.business('order_placed', { id: 'o1' })
const ms: number = logger.startTimer().done('op')
const n: Promise<number> = logger.measure('op', async () => 42)
const masked: string = mask('text') + logger.mask('text') + version
const p: Promise<void> = logger.flush()
logger.flushSync(1000)
const text: string = logger.metrics().text
context.run({ correlation_id: 'c1', tenant: 't' }, (x: number) => x + 1, 1)
const cid: string | undefined = context.correlationId()
const mw = middleware.express({ header: 'X-Request-ID' })
const w = winston.createLogger({ transports: [new LogfortTransport({ filename: 'combined.log', level: 'error', maxsize: 5242880 })] })
// @ts-expect-error: the level must be a name or a number
logger.level = {}
// @ts-expect-error: config must be an object
const bad = new Logger('nope')
void [enabled, ms, n, masked, p, text, cid, mw, w, bad]
