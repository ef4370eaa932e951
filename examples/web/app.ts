// The web page's script: log in over WebSocket, send a picked file to a JID (peer to peer over
// IBB, or, to a contact who is offline or takes no files, an XEP-0363 upload and a link message),
// and answer incoming offers (files and links) with accept/decline, a progress bar and a download
// link. Bundled by serve.ts.
import {
  FileTransferManager,
  blobSink,
  connect,
  createHash,
  createIbbTransport,
  fileSource,
  xml,
} from '@ferry/client/internal/browser';
import type { FileOffer, XmppConnection } from '@ferry/client/internal/browser';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
byId<HTMLInputElement>('service').value = params.get('service') ?? `wss://${location.hostname}:5281/xmpp-websocket`;

let manager: FileTransferManager | undefined;

byId<HTMLFormElement>('login').addEventListener('submit', (event) => {
  event.preventDefault();
  void logIn();
});

async function logIn(): Promise<void> {
  const status = byId<HTMLOutputElement>('login-status');
  status.textContent = 'connecting…';
  let connection: XmppConnection;
  try {
    connection = await connect({
      service: byId<HTMLInputElement>('service').value,
      jid: byId<HTMLInputElement>('jid').value,
      password: byId<HTMLInputElement>('password').value,
    });
  } catch (error) {
    status.textContent = `login failed: ${(error as Error).message}`;
    return;
  }
  // IBB is the one bytestream a browser can carry (SI and Jingle both offer it).
  manager = new FileTransferManager(connection, { transports: [createIbbTransport()] });
  manager.on('offer', showOffer);
  await connection.send(xml('presence'));
  status.textContent = `online as ${connection.jid.toString()}`;
  byId<HTMLFormElement>('send').hidden = false;
  byId<HTMLElement>('offers').hidden = false;
}

byId<HTMLFormElement>('send').addEventListener('submit', (event) => {
  event.preventDefault();
  void send();
});

async function send(): Promise<void> {
  const file = byId<HTMLInputElement>('file').files?.[0];
  const status = byId<HTMLOutputElement>('send-status');
  const bar = byId<HTMLProgressElement>('send-progress');
  if (!manager || !file) return;
  const { stream, metadata } = fileSource(file);
  bar.max = file.size || 1;
  bar.value = 0;
  status.textContent = `offering ${file.name}…`;
  const transfer = manager.send(byId<HTMLInputElement>('to').value, stream, metadata);
  transfer.on('progress', (progress) => {
    bar.value = progress.bytes;
    // A browser's fetch() tells nothing while it uploads: the bar is empty, then full.
    if (progress.method === 'upload' && progress.bytes < (progress.total ?? 0))
      status.textContent = `uploading ${file.name} to the server…`;
  });
  try {
    const result = await transfer.done;
    bar.value = bar.max;
    status.textContent =
      result.method === 'upload'
        ? `${file.name}: uploaded, link sent (${result.bytes} bytes, ${result.url ?? ''})`
        : `sent ${file.name} (${result.bytes} bytes over ${result.method})`;
    status.dataset.method = result.method;
    status.dataset.state = 'sent';
  } catch (error) {
    status.textContent = `not sent: ${(error as Error).message}`;
    status.dataset.state = 'failed';
  }
}

function showOffer(offer: FileOffer): void {
  const box = document.createElement('div');
  box.className = 'offer';
  box.dataset.name = offer.name;
  const title = document.createElement('p');
  const isLink = offer.method === 'upload' || offer.method === 'link';
  title.textContent = isLink
    ? `${offer.from.toString()} shares a link to ${offer.name} (${offer.size ?? '?'} bytes)`
    : `${offer.from.toString()} offers ${offer.name} (${offer.size ?? '?'} bytes)`;
  const accept = button('Accept');
  const decline = button('Decline');
  const bar = document.createElement('progress');
  bar.max = offer.size || 1;
  bar.value = 0;
  const status = document.createElement('output');
  box.append(title, accept, decline, bar, status);
  byId<HTMLElement>('offers').append(box);

  decline.addEventListener('click', () => {
    offer.decline();
    accept.disabled = decline.disabled = true;
    status.textContent = 'declined';
  });
  accept.addEventListener('click', () => {
    accept.disabled = decline.disabled = true;
    const sink = blobSink(offer.mimeType);
    offer.on('progress', (progress) => (bar.value = progress.bytes));
    status.textContent = isLink ? 'downloading…' : 'receiving…';
    offer.accept({ to: sink.writable }).then(
      async (result) => {
        bar.value = bar.max;
        const blob = sink.blob();
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = offer.name;
        link.textContent = `save ${offer.name}`;
        // A link's download checked the size and, when the sender gave it, the SHA-256 (XEP-0447).
        status.textContent = isLink
          ? `received ${result.bytes} bytes by link${offer.sha256 ? ' (SHA-256 checked)' : ''} `
          : `received ${result.bytes} bytes over ${result.method} `;
        status.append(link);
        box.dataset.sha256 = await sha256(blob);
        box.dataset.state = 'received';
      },
      (error: unknown) => {
        status.textContent = `failed: ${(error as Error).message}`;
        box.dataset.state = 'failed';
      },
    );
  });
}

function button(text: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  return element;
}

/** Shown so that a user (and the browser test) can compare it with the sender's; chunk by chunk. */
async function sha256(blob: Blob): Promise<string> {
  const hash = createHash('sha256');
  const reader = blob.stream().getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) hash.update(chunk.value);
  return hash.digest('hex');
}
