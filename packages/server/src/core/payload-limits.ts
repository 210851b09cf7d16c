/**
 * A message's parts and metadata are free-form JSON: bounded in nesting before JSON.stringify
 * walks them (the transports check frames already; the core does not rely on every caller being
 * one), then in size. Sends, stream parts and stream ends all pass here.
 */
import { Limits, valueTooDeep, type MessagePart } from '@roundtable/protocol';
import { HubError } from './hub-error.js';

export function checkSizes(parts: MessagePart[] | undefined, metadata: Record<string, unknown> | undefined): void {
  if (valueTooDeep(parts) || valueTooDeep(metadata)) {
    throw new HubError('nesting_too_deep', `Parts and metadata nest at most ${Limits.maxJsonDepth} levels deep.`);
  }
  if (parts && Buffer.byteLength(JSON.stringify(parts)) > Limits.maxPartsBytes) {
    throw new HubError('frame_too_large', `Message parts exceed ${Limits.maxPartsBytes} bytes.`);
  }
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > Limits.maxMetadataBytes) {
    throw new HubError('frame_too_large', `Message metadata exceeds ${Limits.maxMetadataBytes} bytes.`);
  }
}
