// On every signed-in page: signing out forgets what this tab kept for the person (messages waiting
// to be sent are kept in sessionStorage so a reload does not lose them).

const form = document.querySelector("form.account__logout");
if (form) {
  form.addEventListener("submit", () => {
    try {
      for (const key of Object.keys(sessionStorage)) {
        if (key.startsWith("peerchat:")) sessionStorage.removeItem(key);
      }
    } catch {
      // storage disabled: nothing kept
    }
  });
}
