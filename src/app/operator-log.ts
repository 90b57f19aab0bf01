import { getTransformStream } from '@probot/pino';
import { pino, type Logger } from 'pino';

/**
 * The server's logger: Probot's own (pino through @probot/pino, read from the same LOG_* and SENTRY_DSN
 * variables), with one change for operators. A webhook whose signature does not verify is logged by
 * @octokit/webhooks twice with the whole error and its stack (about 70 lines); what the operator needs is
 * one line saying which delivery was refused and what to check.
 */
export async function operatorLog(env: Record<string, string | undefined> = process.env): Promise<Logger> {
  const logFormat = env['LOG_FORMAT'] !== undefined && env['LOG_FORMAT'] !== ''
    ? (env['LOG_FORMAT'] === 'pretty' ? 'pretty' : 'json')
    : (env['NODE_ENV'] === 'production' ? 'json' : 'pretty');
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env['LOG_LEVEL_IN_STRING'] === 'true',
    ...(env['SENTRY_DSN'] !== undefined && env['SENTRY_DSN'] !== '' ? { sentryDsn: env['SENTRY_DSN'] } : {}),
  });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  const reported = new WeakSet<object>();
  return pino(
    {
      level: env['LOG_LEVEL'] !== undefined && env['LOG_LEVEL'] !== '' ? env['LOG_LEVEL'] : 'info',
      name: 'probot',
      messageKey: env['LOG_MESSAGE_KEY'] !== undefined && env['LOG_MESSAGE_KEY'] !== '' ? env['LOG_MESSAGE_KEY'] : 'msg',
      hooks: {
        logMethod(args, method) {
          const refused = signatureRefusal(args[0]);
          if (refused === undefined) return method.apply(this, args);
          // The same refusal arrives once as the error and once wrapped in an AggregateError.
          if (refused.errors.every((error) => reported.has(error))) return;
          for (const error of refused.errors) reported.add(error);
          const which = `delivery ${refused.delivery ?? '(no id)'} (${refused.event ?? 'no event name'})`;
          // Pretty logs print each field on a line of its own: there the fields stay in the sentence.
          if (logFormat === 'pretty') return method.call(this, `${which}: ${SIGNATURE_ADVICE}`);
          return method.call(this, { delivery: refused.delivery, event: refused.event }, `${which}: ${SIGNATURE_ADVICE}`);
        },
      },
    },
    transform,
  );
}

const SIGNATURE_ADVICE = "webhook refused (400): its signature does not match WEBHOOK_SECRET; check that the app's webhook secret on GitHub (Settings → Developer settings → GitHub Apps → your app → Webhook secret) equals WEBHOOK_SECRET";

interface SignatureRefusal {
  errors: object[];
  delivery: string | undefined;
  event: string | undefined;
}

/** A signature error of @octokit/webhooks, alone or wrapped in an AggregateError; else undefined. */
function signatureRefusal(logged: unknown): SignatureRefusal | undefined {
  const candidate = (logged !== null && typeof logged === 'object' && 'err' in logged ? (logged as { err: unknown }).err : logged);
  if (!(candidate instanceof Error)) return undefined;
  const errors = candidate instanceof AggregateError ? (candidate.errors as unknown[]) : [candidate];
  if (errors.length === 0 || !errors.every((error) => error instanceof Error && isSignatureMessage(error.message))) return undefined;
  const event = (errors[0] as { event?: { id?: unknown; name?: unknown } }).event;
  return {
    errors: errors as object[],
    delivery: typeof event?.id === 'string' ? event.id : undefined,
    event: typeof event?.name === 'string' ? event.name : undefined,
  };
}

function isSignatureMessage(message: string): boolean {
  return message.startsWith('[@octokit/webhooks]') && /signature/i.test(message);
}
