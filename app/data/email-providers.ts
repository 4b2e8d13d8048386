/**
 * How providers treat addresses (read by app/services/email-key.ts). A module, not a .json file:
 * every loader of the app imports it (Playwright's test fixtures too, which refuse a bare JSON import).
 */
export default {
  about:
    "How providers treat addresses, for spotting one person signing twice. A rule per domain: 'plus': the provider ignores a +tag; 'ignore': characters it ignores in the local part; 'same': characters it treats as one and the same (written as the first one); 'canonical': the domain its aliases deliver to. Unknown domains are compared after trimming and lowercasing only. Sources: Gmail, Yandex ('ivan.petrov' and 'ivan-petrov' are one login; yandex.ru/.com/.kz/.by/.ua, ya.ru and narod.ru are aliases), Microsoft (+tags on every Outlook/Hotmail/Live domain; the national domains are separate mailboxes), Proton ('.', '-' and '_' are ignored; proton.me, protonmail.com, protonmail.ch and pm.me are one account), Apple, Fastmail.",
  providers: {
    "gmail.com": {
      plus: true,
      ignore: ".",
    },
    "googlemail.com": {
      plus: true,
      ignore: ".",
      canonical: "gmail.com",
    },
    "outlook.com": {
      plus: true,
    },
    "outlook.de": {
      plus: true,
    },
    "outlook.fr": {
      plus: true,
    },
    "outlook.es": {
      plus: true,
    },
    "outlook.it": {
      plus: true,
    },
    "outlook.jp": {
      plus: true,
    },
    "outlook.kr": {
      plus: true,
    },
    "outlook.com.br": {
      plus: true,
    },
    "outlook.com.tr": {
      plus: true,
    },
    "outlook.co.uk": {
      plus: true,
    },
    "hotmail.com": {
      plus: true,
    },
    "hotmail.co.uk": {
      plus: true,
    },
    "hotmail.de": {
      plus: true,
    },
    "hotmail.fr": {
      plus: true,
    },
    "hotmail.es": {
      plus: true,
    },
    "hotmail.it": {
      plus: true,
    },
    "hotmail.be": {
      plus: true,
    },
    "hotmail.nl": {
      plus: true,
    },
    "hotmail.ru": {
      plus: true,
    },
    "hotmail.com.br": {
      plus: true,
    },
    "hotmail.com.tr": {
      plus: true,
    },
    "live.com": {
      plus: true,
    },
    "live.ru": {
      plus: true,
    },
    "live.co.uk": {
      plus: true,
    },
    "live.de": {
      plus: true,
    },
    "live.fr": {
      plus: true,
    },
    "live.it": {
      plus: true,
    },
    "live.nl": {
      plus: true,
    },
    "live.ca": {
      plus: true,
    },
    "live.com.au": {
      plus: true,
    },
    "msn.com": {
      plus: true,
    },
    "icloud.com": {
      plus: true,
    },
    "me.com": {
      plus: true,
      canonical: "icloud.com",
    },
    "mac.com": {
      plus: true,
      canonical: "icloud.com",
    },
    "proton.me": {
      plus: true,
      ignore: ".-_",
    },
    "protonmail.com": {
      plus: true,
      ignore: ".-_",
      canonical: "proton.me",
    },
    "protonmail.ch": {
      plus: true,
      ignore: ".-_",
      canonical: "proton.me",
    },
    "pm.me": {
      plus: true,
      ignore: ".-_",
      canonical: "proton.me",
    },
    "fastmail.com": {
      plus: true,
    },
    "yandex.ru": {
      plus: true,
      same: ".-",
    },
    "yandex.com": {
      plus: true,
      same: ".-",
      canonical: "yandex.ru",
    },
    "yandex.kz": {
      plus: true,
      same: ".-",
      canonical: "yandex.ru",
    },
    "yandex.by": {
      plus: true,
      same: ".-",
      canonical: "yandex.ru",
    },
    "yandex.ua": {
      plus: true,
      same: ".-",
      canonical: "yandex.ru",
    },
    "ya.ru": {
      plus: true,
      same: ".-",
      canonical: "yandex.ru",
    },
    "narod.ru": {
      plus: true,
      same: ".-",
      canonical: "yandex.ru",
    },
    "yahoo.com": {},
    "mail.ru": {},
  },
};
