// XEP-0047 In-Band Bytestreams: the client transport.
export { createIbbTransport, type IbbTransport, type IbbTransportOptions } from './ibb-transport.js'; // factory
export { MIN_RETRY_BLOCK_SIZE, type IbbOutgoingBytestream } from './ibb-initiator.js'; //          <open/>, sender
export { type IbbExpectation, type IbbIncomingBytestream } from './ibb-target.js'; //             accept, receiver
export { IbbSender } from './ibb-sender.js'; //                                                    Writable
export { IbbReceiver } from './ibb-receiver.js'; //                                                Readable
export { BlockChunker } from './block-chunker.js'; //                                              pure
export { AckWindow } from './ack-window.js'; //                                                    pure
