// Steward's own page behaviour, loaded as a module after the design system
// (which sets window.DS). No inline script is allowed by the CSP, so this
// file is the only place for it.

document.body.classList.add('js-enabled');

if (window.DS) {
    window.DS.initAll();
}

// Move focus to the error summary, and make its links focus the field they
// name while showing the field's label or legend too.
const summary = document.querySelector('.ds_error-summary');
if (summary) {
    summary.focus();
    summary.addEventListener('click', (event) => {
        const link = event.target.closest('a[href^="#"]');
        if (!link) {
            return;
        }
        const input = document.getElementById(link.getAttribute('href').slice(1));
        if (!input) {
            return;
        }
        event.preventDefault();
        const fieldset = input.closest('fieldset');
        const label = (fieldset && fieldset.querySelector('legend')) || document.querySelector(`label[for="${CSS.escape(input.id)}"]`);
        (label || input).scrollIntoView();
        input.focus({ preventScroll: true });
    });
}
