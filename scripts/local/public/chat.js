// The playground's chat page: fetches a token for the name typed from the playground's local issuer, opens the
// WebSocket with it in the `token` query-string parameter (the $connect identity source), joins the room and
// shows the room's messages. Text is inserted as text, never as HTML.
'use strict';
const $ = (id) => document.getElementById(id);
let socket;

function show(text, from) {
  const li = document.createElement('li');
  if (from) {
    const who = document.createElement('span');
    who.className = 'from';
    who.textContent = from;
    li.appendChild(who);
  } else {
    li.className = 'system';
  }
  li.appendChild(document.createTextNode(text));
  $('messages').appendChild(li);
}

function setConnected(connected, status) {
  $('status').textContent = status;
  $('message').disabled = !connected;
  $('send').disabled = !connected;
  $('connect').textContent = connected ? 'Reconnect' : 'Connect';
}

$('join').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (socket) socket.close();
  const name = $('name').value.trim();
  const room = $('room').value.trim();
  setConnected(false, 'connecting…');
  try {
    const config = await (await fetch('/config.json')).json();
    const res = await fetch(`/token?user=${encodeURIComponent(name)}`);
    if (!res.ok) throw new Error(await res.text());
    const { chatToken } = await res.json();
    socket = new WebSocket(`${config.chatUrl}?token=${encodeURIComponent(chatToken)}`);
  } catch (err) {
    setConnected(false, `error: ${err.message}`);
    return;
  }
  socket.addEventListener('open', () => socket.send(JSON.stringify({ action: 'joinroom', room })));
  socket.addEventListener('close', (ev) => setConnected(false, `disconnected (${ev.code})`));
  socket.addEventListener('message', (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (msg.type === 'joined') {
      setConnected(true, `in room ${msg.room} as ${name}`);
      show(`you joined ${msg.room}`);
    } else if (msg.type === 'message') {
      show(msg.data, msg.from);
    } else if (msg.type === 'error' || msg.message) {
      show(`error: ${msg.code || msg.message}`);
    }
  });
});

$('compose').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('message').value;
  if (!text || !socket) return;
  socket.send(JSON.stringify({ action: 'sendmessage', data: text }));
  $('message').value = '';
});
