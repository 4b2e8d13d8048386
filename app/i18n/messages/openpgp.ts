import { defineMessages } from "../define";

/** OpenPGP keys: an addressee's (addressees tab), the organization's (organization page), encrypted letters. */
export const openpgp = defineMessages({
  en: {
    "openpgp.addresseeKey": "OpenPGP public key (optional)",
    "openpgp.addresseeKeyHint":
      "With a key, the letter is sent to this addressee encrypted (a .pdf.gpg file only they, and your organization if it has a key, can open), not as a plain PDF. Paste the key (it starts with -----BEGIN PGP PUBLIC KEY BLOCK-----) or choose its file (.asc, .gpg; at most 64 KB).",
    "openpgp.keyFile": "Or the key's file",
    "openpgp.removeKey": "Remove the key (send the letter unencrypted)",
    "openpgp.fingerprint": "OpenPGP key fingerprint",
    "openpgp.encryptedTo": "letter encrypted to key {fingerprint}",
    "openpgp.compare": "Compare this fingerprint with the one the addressee gives you (gpg --fingerprint) before sending.",
    "openpgp.orgTitle": "The organization's OpenPGP key",
    "openpgp.orgIntro":
      "Letters to an addressee with an OpenPGP key are encrypted to their key and to this one, so your organization can still open (and resend) what it sent. Paste your organization's public key or choose its file (at most 64 KB). Never give a private key.",
    "openpgp.orgNone": "No key: letters encrypted for an addressee can be opened by that addressee only.",
    "openpgp.orgSave": "Save the key",
    "openpgp.orgRemove": "Remove the key",
    "openpgp.orgSaved": "The organization's OpenPGP key was saved.",
    "openpgp.orgRemoved": "The organization's OpenPGP key was removed.",
    "openpgp.downloadEncrypted": "Encrypted for {name} (.pdf.gpg)",
    "openpgp.tooLarge": "This key is larger than 64 KB: a public key is much smaller. Export only the one key (gpg --armor --export <fingerprint>).",
    "openpgp.unreadable":
      "This is not an OpenPGP public key. Paste the whole block from -----BEGIN PGP PUBLIC KEY BLOCK----- to -----END PGP PUBLIC KEY BLOCK-----, or choose the key's .asc or .gpg file.",
    "openpgp.several": "This holds several keys. Give exactly one public key.",
    "openpgp.private": "This is a private (secret) key: it must never be shared. Give the public key instead (gpg --armor --export <fingerprint>).",
    "openpgp.revoked": "This key has been revoked by its owner: ask them for their current key.",
    "openpgp.expired": "This key has expired: ask its owner to extend it or for their current key.",
    "openpgp.cannotEncrypt": "This key cannot encrypt (it has no valid encryption subkey, or its algorithm is too weak): ask for a key that can.",
    "openpgp.badForm": "Send the key (pasted or as one file of at most 64 KB) with the form's fields, nothing else.",
    "openpgp.keyUnusable":
      "An addressee's OpenPGP key, or the organization's, has expired, was revoked or can no longer encrypt: replace or remove it (addressees tab, organization page) before sending.",
  },
  ru: {
    "openpgp.addresseeKey": "Открытый ключ OpenPGP (необязательно)",
    "openpgp.addresseeKeyHint":
      "Если ключ указан, письмо уходит этому адресату зашифрованным (файл .pdf.gpg, который откроет только он — и ваша организация, если у неё есть ключ), а не обычным PDF. Вставьте ключ (он начинается с -----BEGIN PGP PUBLIC KEY BLOCK-----) или выберите его файл (.asc, .gpg; не больше 64 КБ).",
    "openpgp.keyFile": "Или файл ключа",
    "openpgp.removeKey": "Удалить ключ (отправлять письмо без шифрования)",
    "openpgp.fingerprint": "Отпечаток ключа OpenPGP",
    "openpgp.encryptedTo": "письмо шифруется ключом {fingerprint}",
    "openpgp.compare": "Перед отправкой сверьте этот отпечаток с тем, который сообщил адресат (gpg --fingerprint).",
    "openpgp.orgTitle": "Ключ OpenPGP организации",
    "openpgp.orgIntro":
      "Письма адресатам с ключом OpenPGP шифруются их ключом и этим ключом, чтобы ваша организация могла открыть (и отправить повторно) то, что отправила. Вставьте открытый ключ организации или выберите его файл (не больше 64 КБ). Никогда не передавайте закрытый ключ.",
    "openpgp.orgNone": "Ключа нет: зашифрованное для адресата письмо сможет открыть только он.",
    "openpgp.orgSave": "Сохранить ключ",
    "openpgp.orgRemove": "Удалить ключ",
    "openpgp.orgSaved": "Ключ OpenPGP организации сохранён.",
    "openpgp.orgRemoved": "Ключ OpenPGP организации удалён.",
    "openpgp.downloadEncrypted": "Зашифровано для: {name} (.pdf.gpg)",
    "openpgp.tooLarge": "Этот ключ больше 64 КБ, а открытый ключ намного меньше. Экспортируйте только нужный ключ (gpg --armor --export <отпечаток>).",
    "openpgp.unreadable":
      "Это не открытый ключ OpenPGP. Вставьте весь блок от -----BEGIN PGP PUBLIC KEY BLOCK----- до -----END PGP PUBLIC KEY BLOCK----- или выберите файл ключа .asc или .gpg.",
    "openpgp.several": "Здесь несколько ключей. Укажите ровно один открытый ключ.",
    "openpgp.private": "Это закрытый (секретный) ключ: его нельзя никому передавать. Укажите открытый ключ (gpg --armor --export <отпечаток>).",
    "openpgp.revoked": "Владелец отозвал этот ключ: попросите у него действующий ключ.",
    "openpgp.expired": "Срок действия этого ключа истёк: попросите владельца продлить его или дать действующий ключ.",
    "openpgp.cannotEncrypt":
      "Этим ключом нельзя шифровать (у него нет действующего подключа для шифрования или его алгоритм слишком слаб): попросите ключ, который это умеет.",
    "openpgp.badForm": "Отправьте ключ (вставленный или одним файлом не больше 64 КБ) вместе с полями формы и больше ничего.",
    "openpgp.keyUnusable":
      "Ключ OpenPGP одного из адресатов или организации истёк, отозван или больше не может шифровать: замените или удалите его (вкладка «Адресаты», страница организации) перед отправкой.",
  },
  kk: {
    "openpgp.addresseeKey": "OpenPGP ашық кілті (міндетті емес)",
    "openpgp.addresseeKeyHint":
      "Кілт көрсетілсе, хат бұл адресатқа кәдімгі PDF емес, шифрланған күйде жіберіледі (.pdf.gpg файлын тек ол — және кілті болса, сіздің ұйымыңыз — аша алады). Кілтті қойыңыз (ол -----BEGIN PGP PUBLIC KEY BLOCK----- деп басталады) немесе оның файлын таңдаңыз (.asc, .gpg; 64 КБ-тан аспайды).",
    "openpgp.keyFile": "Немесе кілт файлы",
    "openpgp.removeKey": "Кілтті жою (хатты шифрсыз жіберу)",
    "openpgp.fingerprint": "OpenPGP кілтінің саусақ ізі",
    "openpgp.encryptedTo": "хат {fingerprint} кілтімен шифрланады",
    "openpgp.compare": "Жібермес бұрын бұл саусақ ізін адресат берген ізбен салыстырыңыз (gpg --fingerprint).",
    "openpgp.orgTitle": "Ұйымның OpenPGP кілті",
    "openpgp.orgIntro":
      "OpenPGP кілті бар адресаттарға хаттар олардың кілтімен және осы кілтпен шифрланады, сонда ұйымыңыз жібергенін аша алады (және қайта жібере алады). Ұйымның ашық кілтін қойыңыз немесе оның файлын таңдаңыз (64 КБ-тан аспайды). Жабық кілтті ешқашан бермеңіз.",
    "openpgp.orgNone": "Кілт жоқ: адресат үшін шифрланған хатты тек сол адресат аша алады.",
    "openpgp.orgSave": "Кілтті сақтау",
    "openpgp.orgRemove": "Кілтті жою",
    "openpgp.orgSaved": "Ұйымның OpenPGP кілті сақталды.",
    "openpgp.orgRemoved": "Ұйымның OpenPGP кілті жойылды.",
    "openpgp.downloadEncrypted": "Шифрланған, алушы: {name} (.pdf.gpg)",
    "openpgp.tooLarge": "Бұл кілт 64 КБ-тан үлкен, ал ашық кілт әлдеқайда кіші. Тек керекті кілтті экспорттаңыз (gpg --armor --export <саусақ ізі>).",
    "openpgp.unreadable":
      "Бұл OpenPGP ашық кілті емес. -----BEGIN PGP PUBLIC KEY BLOCK----- бастап -----END PGP PUBLIC KEY BLOCK----- дейінгі бүкіл блокты қойыңыз немесе кілттің .asc не .gpg файлын таңдаңыз.",
    "openpgp.several": "Мұнда бірнеше кілт бар. Дәл бір ашық кілт көрсетіңіз.",
    "openpgp.private": "Бұл жабық (құпия) кілт: оны ешкімге беруге болмайды. Оның орнына ашық кілтті көрсетіңіз (gpg --armor --export <саусақ ізі>).",
    "openpgp.revoked": "Бұл кілтті иесі кері қайтарып алған: одан қазіргі кілтін сұраңыз.",
    "openpgp.expired": "Бұл кілттің мерзімі өтіп кеткен: иесінен мерзімін ұзартуды немесе қазіргі кілтін сұраңыз.",
    "openpgp.cannotEncrypt":
      "Бұл кілтпен шифрлау мүмкін емес (шифрлауға арналған жарамды қосалқы кілті жоқ немесе алгоритмі тым әлсіз): шифрлай алатын кілт сұраңыз.",
    "openpgp.badForm": "Кілтті (қойылған немесе 64 КБ-тан аспайтын бір файл) форманың өрістерімен бірге ғана жіберіңіз.",
    "openpgp.keyUnusable":
      "Адресаттың немесе ұйымның OpenPGP кілтінің мерзімі өтіп кеткен, ол кері қайтарылған немесе енді шифрлай алмайды: жібермес бұрын оны ауыстырыңыз немесе жойыңыз (адресаттар қойындысы, ұйым беті).",
  },
});
