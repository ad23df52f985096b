/** The portable MQTT 3.1.1 client the terminal talks to the broker with [FW-2]. */
export {
  MqttClient,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEP_ALIVE_SECONDS,
  type MqttConnectOptions,
  type MqttMessageHandler,
  type MqttCloseHandler,
} from './client.js';
export { MqttConnectRefused, MqttSubscribeRefused, type ConnackRefusalCode } from './errors.js';
export { KeepAlive, type KeepAliveActions } from './keep-alive.js';
export { PacketIdPool } from './packet-ids.js';
export { PacketReader, checkMaxPacketBytes, DEFAULT_MAX_PACKET_BYTES, MIN_MAX_PACKET_BYTES, MAX_MAX_PACKET_BYTES } from './packet-reader.js';
export {
  PACKET_TYPE,
  SUBACK_FAILURE,
  encodeConnect,
  encodeSubscribe,
  encodePublish,
  encodePuback,
  encodePingreq,
  encodeDisconnect,
  decodePacket,
  type MqttQos,
  type ConnectFields,
  type OutboundPublish,
  type RawPacket,
  type InboundPacket,
  type Connack,
  type Suback,
  type InboundPublish,
  type Puback,
  type Pingresp,
} from './packets.js';
export { MAX_REMAINING_LENGTH, MAX_STRING_BYTES, MAX_PACKET_ID } from './fields.js';
export { checkTopicName, checkTopicFilter } from './topic-rules.js';
