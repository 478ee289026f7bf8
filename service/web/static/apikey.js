// The API key: kept in sessionStorage, so it lasts for this browser tab only, and asked for in
// one dialog, opened when the API answers 401 and shared by every request waiting for it.
const KEY_STORAGE = 'newsqa.apiKey';

let pending = null; // the open prompt's promise

export function storedKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null; // storage can be switched off; then the key is asked for on each load
  }
}

function storeKey(key) {
  try {
    sessionStorage.setItem(KEY_STORAGE, key);
  } catch {
    // without storage the key lasts for this request only
  }
}

// The key to try next, or null where the person cancelled. `rejected` is the key that got the
// 401; if another request has already stored a newer one, that is used without asking again.
export function askForKey(serverMessage, rejected) {
  const current = storedKey();
  if (current && current !== rejected) return Promise.resolve(current);
  if (!pending) {
    pending = prompt(serverMessage).finally(() => {
      pending = null;
    });
  }
  return pending;
}

function prompt(serverMessage) {
  const dialog = dialogElement();
  dialog.querySelector('#key-message').textContent = `The server says: ${serverMessage}.`;
  const input = dialog.querySelector('#key-input');
  input.value = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const key = input.value.trim();
        input.value = '';
        if (dialog.returnValue === 'ok' && key) {
          storeKey(key);
          resolve(key);
        } else {
          resolve(null);
        }
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    input.focus();
  });
}

function dialogElement() {
  let dialog = document.getElementById('key-dialog');
  if (dialog) return dialog;
  dialog = document.createElement('dialog');
  dialog.id = 'key-dialog';
  dialog.setAttribute('aria-labelledby', 'key-title');
  const form = document.createElement('form');
  form.method = 'dialog';
  const title = document.createElement('h2');
  title.id = 'key-title';
  title.textContent = 'This server needs an API key';
  const message = document.createElement('p');
  message.id = 'key-message';
  const label = document.createElement('label');
  label.htmlFor = 'key-input';
  label.textContent = 'API key';
  const input = document.createElement('input');
  input.id = 'key-input';
  input.type = 'password';
  input.autocomplete = 'off';
  input.required = true;
  input.setAttribute('aria-describedby', 'key-message key-hint');
  const hint = document.createElement('p');
  hint.id = 'key-hint';
  hint.className = 'hint';
  hint.textContent = 'Kept in this browser tab only, and sent to this server as a bearer token.';
  const buttons = document.createElement('div');
  buttons.className = 'dialog-buttons';
  // Cancel is not a submit button, so Enter in the field submits the key, not Cancel.
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.className = 'secondary';
  cancel.textContent = 'Cancel';
  cancel.addEventListener('click', () => dialog.close('cancel'));
  const ok = document.createElement('button');
  ok.type = 'submit';
  ok.value = 'ok';
  ok.textContent = 'Use this key';
  buttons.append(cancel, ok);
  form.append(title, message, label, input, hint, buttons);
  dialog.append(form);
  document.body.append(dialog);
  return dialog;
}
