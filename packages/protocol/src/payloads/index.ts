// The payload codecs, one per XEP: pure encode/decode of the elements inside stanzas.
// Use them as namespaces: `si.decodeSiOffer(el)`, `ibb.nextSeq(seq)`, `bytestreams.decodeActivate(q)`.
export * as disco from './disco.js'; //             XEP-0030 Service Discovery
export * as caps from './caps.js'; //               XEP-0115 Entity Capabilities
export * as dataForm from './data-form.js'; //      XEP-0004 Data Forms (subset)
export * as si from './si.js'; //                   XEP-0095 Stream Initiation
export * as siFile from './si-file.js'; //          XEP-0096 SI File Transfer
export * as bytestreams from './bytestreams.js'; // XEP-0065 SOCKS5 Bytestreams
export * as ibb from './ibb.js'; //                 XEP-0047 In-Band Bytestreams
export * as httpUpload from './http-upload.js'; //  XEP-0363 HTTP File Upload
export * as oob from './oob.js'; //                 XEP-0066 Out of Band Data
export * as fileMetadata from './file-metadata.js'; // XEP-0446 File metadata element (+ XEP-0300 hashes)
export * as fileSharing from './file-sharing.js'; // XEP-0447 Stateless file sharing
export * as jingle from './jingle.js'; //           XEP-0166 Jingle
export * as jingleFt from './jingle-ft.js'; //       XEP-0234 Jingle File Transfer
export * as jingleS5b from './jingle-s5b.js'; //     XEP-0260 Jingle SOCKS5 Bytestreams Transport
export * as jingleIbb from './jingle-ibb.js'; //     XEP-0261 Jingle In-Band Bytestreams Transport
export * as jingleMessage from './jingle-message.js'; // XEP-0353 Jingle Message Initiation
