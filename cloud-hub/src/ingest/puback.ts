// Sending a PUBACK ourselves. mqtt.js has no public call for it; its own QoS 1 handler
// (lib/handlers/publish.js) sends one through the private `_sendPacket`. Checked against mqtt
// 5.16.0; test/cloud-hub/ingest/puback.test.ts fails if a newer mqtt.js changes this.
import type { MqttClient } from 'mqtt';

type SendPacket = (packet: { cmd: 'puback'; messageId: number; reasonCode: number }) => void;

/** A function that acknowledges a QoS 1 publish by id; throws at once if mqtt.js changed. */
export function pubackSender(client: MqttClient): (messageId: number) => void {
  const send = (client as unknown as { _sendPacket?: unknown })._sendPacket;
  if (typeof send !== 'function')
    throw new Error(
      'mqtt.js has no _sendPacket (checked against mqtt 5.16): ingest cannot acknowledge frames after commit',
    );
  return (messageId) =>
    (send as SendPacket).call(client, { cmd: 'puback', messageId, reasonCode: 0 });
}
