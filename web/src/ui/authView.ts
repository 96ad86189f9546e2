import type { AppContext } from './app';
import { field, h } from './dom';
import { describeError } from './errors';

/** Sign-in and registration. On success goes to `?next=` (a join link, for instance) or the meeting list. */
export function renderAuth(view: HTMLElement, context: AppContext, mode: 'login' | 'register'): void {
  const next = new URLSearchParams(location.search).get('next');
  const query = next === null ? '' : `?next=${encodeURIComponent(next)}`;
  const done = (): void => context.navigate(next !== null && next.startsWith('/') ? next : '/', true);

  const submit = h('button', { type: 'submit', id: 'auth-submit', testid: 'auth-submit', class: 'primary' }, mode === 'login' ? 'Sign in' : 'Create account');
  const username = h('input', { id: 'auth-username', testid: 'auth-username', name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 50 });
  const password = h('input', {
    id: 'auth-password', testid: 'auth-password', name: 'password', type: 'password', required: true,
    autocomplete: mode === 'login' ? 'current-password' : 'new-password', minlength: mode === 'login' ? 1 : 8,
  });
  const email = h('input', { id: 'auth-email', testid: 'auth-email', name: 'email', type: 'email', autocomplete: 'email', required: true });
  const fullName = h('input', { id: 'auth-full-name', testid: 'auth-full-name', name: 'full_name', autocomplete: 'name', required: true, maxlength: 100 });

  const form = h('form', { id: mode === 'login' ? 'login-form' : 'register-form', testid: mode === 'login' ? 'login-form' : 'register-form', class: 'card narrow' },
    field('Username', username),
    mode === 'register' ? field('Email', email) : null,
    mode === 'register' ? field('Full name', fullName) : null,
    field('Password', password, mode === 'register' ? 'At least 8 characters.' : undefined),
    submit,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    context.showError(null);
    submit.disabled = true;
    const request = mode === 'login'
      ? context.rest.login(username.value.trim(), password.value)
      : context.rest.register({ username: username.value.trim(), email: email.value.trim(), password: password.value, full_name: fullName.value.trim() });
    request.then(done, (error: unknown) => {
      submit.disabled = false;
      context.showError(describeError(error));
      password.value = '';
      password.focus();
    });
  });

  view.append(
    h('h1', {}, mode === 'login' ? 'Sign in to WeCompany' : 'Create a WeCompany account'),
    form,
    h('p', { class: 'switch' },
      mode === 'login' ? 'No account yet? ' : 'Already registered? ',
      h('a', { href: `${mode === 'login' ? '/register' : '/login'}${query}`, 'data-route': true, id: 'auth-switch', testid: 'auth-switch' },
        mode === 'login' ? 'Create one' : 'Sign in'),
    ),
  );
}
