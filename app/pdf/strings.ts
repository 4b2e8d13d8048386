import { isContentLang, type ContentLang } from "../i18n/languages";
import type { PluralTable } from "../i18n/plural";

/**
 * Every word the delivery letter prints around the organizer's own text, per letter language.
 *
 * Values are functions where something is filled in, so a translation can put the value where
 * its grammar wants it (Kazakh "17 беттің 3-беті" puts the total first). Numbers and dates arrive
 * already formatted for the language. Plural forms (SIGNATORIES) name every `Intl.PluralRules`
 * category of their language (../i18n/plural), or the compiler refuses them; Kazakh, Kyrgyz,
 * Uzbek and Tajik nouns do not change after a numeral, so their forms are the same.
 *
 * Arabic and Persian letters lay out right to left (isRtlLang, render.server.ts); their numbers
 * and dates use the Latin digits the rest of the letter (codes, addresses, row numbers) uses, and
 * Persian dates the Gregorian calendar the other versions' dates are in (format.ts).
 *
 * en, ru and kk are the languages of the interface and must be right; the others were written
 * with care but deserve a native speaker's read before a letter goes to a ministry.
 */
export interface LetterStrings {
  /** Label above the addressee block. */
  to: string;
  /** "Text revision 2". */
  revision: (n: string) => string;
  /** Shown on a translation; `original` is the original language's name in this language. */
  translationNote: (original: string) => string;
  /** Title of the signatory section. */
  signatoriesTitle: string;
  /** "as of 5 March 2025", after the count under the signatory title. */
  asOf: (date: string) => string;
  /** Explains the "rev. 1" under a date; printed when the text has had more than one revision. */
  revisionLegend: string;
  /** Column headings, two lines each, matching the two lines of a row. */
  columns: {
    number: string;
    name: string;
    nameDetail: string;
    city: string;
    country: string;
    confirmed: string;
    confirmedDetail: string;
  };
  /** Under the date when a signatory signed another revision than the current one. */
  signedRevision: (n: string) => string;
  /** Under the date of a signature collected on a paper sheet and entered by the organizers. */
  onPaper: string;
  /** The letter has no confirmed signature yet. */
  noSignatures: string;
  /** Footer page number. */
  page: (x: string, y: string) => string;
  /** Footer: the code a reader types at the verification address. */
  verificationCode: (code: string) => string;
  /** Legend for the † mark after a name printed in Latin transliteration. */
  transliterated: string;
  /** Footer: the signatory ledger's tree size (formatted number) and root (64 hex digits). */
  ledger: (size: string, root: string) => string;
}

export const LETTER_STRINGS: Record<ContentLang, LetterStrings> = {
  en: {
    to: "To:",
    revision: (n) => `Text revision ${n}`,
    translationNote: (o) => `Translation from ${o}; the ${o} text is authoritative.`,
    signatoriesTitle: "Signatories",
    asOf: (d) => `as of ${d}`,
    revisionLegend: "Where a signatory signed an earlier revision of the text, that revision is shown under the date.",
    columns: {
      number: "No.",
      name: "Name",
      nameDetail: "Organization, position",
      city: "City",
      country: "Country",
      confirmed: "Confirmed",
      confirmedDetail: "date (UTC)",
    },
    signedRevision: (n) => `revision ${n}`,
    onPaper: "on paper",
    noSignatures: "No signatures have been confirmed yet.",
    page: (x, y) => `Page ${x} of ${y}`,
    verificationCode: (c) => `Verification code ${c}`,
    transliterated: "† The name is written in a script this letter cannot print; it is shown transliterated into Latin letters.",
    ledger: (s, r) => `Signatory ledger: ${s} entries · root ${r}`,
  },
  ru: {
    to: "Кому:",
    revision: (n) => `Редакция текста ${n}`,
    translationNote: (o) => `Перевод. Язык оригинала: ${o}; текст оригинала имеет преимущественную силу.`,
    signatoriesTitle: "Подписавшие",
    asOf: (d) => `по состоянию на ${d}`,
    revisionLegend: "Если подписант подписал более раннюю редакцию текста, её номер указан под датой.",
    columns: {
      number: "№",
      name: "Имя и фамилия",
      nameDetail: "Организация, должность",
      city: "Город",
      country: "Страна",
      confirmed: "Подтверждено",
      confirmedDetail: "дата (UTC)",
    },
    signedRevision: (n) => `редакция ${n}`,
    onPaper: "на бумаге",
    noSignatures: "Подтверждённых подписей пока нет.",
    page: (x, y) => `Страница ${x} из ${y}`,
    verificationCode: (c) => `Код проверки ${c}`,
    transliterated: "† Имя записано письменностью, которую это письмо не может напечатать; оно приведено латиницей.",
    ledger: (s, r) => `Реестр подписей: записей ${s} · корень ${r}`,
  },
  kk: {
    to: "Кімге:",
    revision: (n) => `Мәтіннің ${n}-редакциясы`,
    translationNote: (o) => `Аударма. Түпнұсқа тілі: ${o}; түпнұсқа мәтіні басым күшке ие.`,
    signatoriesTitle: "Қол қойғандар",
    asOf: (d) => `${d} жағдай бойынша`,
    revisionLegend: "Қол қоюшы мәтіннің бұрынғы редакциясына қол қойған болса, оның нөмірі күннің астында көрсетілген.",
    columns: {
      number: "№",
      name: "Аты-жөні",
      nameDetail: "Ұйым, лауазымы",
      city: "Қала",
      country: "Ел",
      confirmed: "Расталды",
      confirmedDetail: "күні (UTC)",
    },
    signedRevision: (n) => `${n}-редакция`,
    onPaper: "қағазда",
    noSignatures: "Әзірге расталған қолдар жоқ.",
    page: (x, y) => `${y} беттің ${x}-беті`,
    verificationCode: (c) => `Тексеру коды ${c}`,
    transliterated: "† Есім бұл хат басып шығара алмайтын жазумен жазылған; ол латын әріптерімен берілген.",
    ledger: (s, r) => `Қолдар тізілімі: жазбалар ${s} · түбір ${r}`,
  },
  uk: {
    to: "Кому:",
    revision: (n) => `Редакція тексту ${n}`,
    translationNote: (o) => `Переклад. Мова оригіналу: ${o}; переважну силу має текст оригіналу.`,
    signatoriesTitle: "Підписанти",
    asOf: (d) => `станом на ${d}`,
    revisionLegend: "Якщо підписант підписав ранішу редакцію тексту, її номер зазначено під датою.",
    columns: {
      number: "№",
      name: "Ім’я та прізвище",
      nameDetail: "Організація, посада",
      city: "Місто",
      country: "Країна",
      confirmed: "Підтверджено",
      confirmedDetail: "дата (UTC)",
    },
    signedRevision: (n) => `редакція ${n}`,
    onPaper: "на папері",
    noSignatures: "Підтверджених підписів поки немає.",
    page: (x, y) => `Сторінка ${x} з ${y}`,
    verificationCode: (c) => `Код перевірки ${c}`,
    transliterated: "† Ім’я записане письмом, яке цей лист не може надрукувати; його наведено латиницею.",
    ledger: (s, r) => `Реєстр підписів: записів ${s} · корінь ${r}`,
  },
  pl: {
    to: "Do:",
    revision: (n) => `Wersja tekstu ${n}`,
    translationNote: (o) => `Tłumaczenie. Język oryginału: ${o}; wiążący jest tekst oryginalny.`,
    signatoriesTitle: "Sygnatariusze",
    asOf: (d) => `stan na ${d}`,
    revisionLegend: "Jeśli sygnatariusz podpisał wcześniejszą wersję tekstu, jej numer podano pod datą.",
    columns: {
      number: "Nr",
      name: "Imię i nazwisko",
      nameDetail: "Organizacja, stanowisko",
      city: "Miejscowość",
      country: "Kraj",
      confirmed: "Potwierdzono",
      confirmedDetail: "data (UTC)",
    },
    signedRevision: (n) => `wersja ${n}`,
    onPaper: "na papierze",
    noSignatures: "Nie ma jeszcze potwierdzonych podpisów.",
    page: (x, y) => `Strona ${x} z ${y}`,
    verificationCode: (c) => `Kod weryfikacyjny ${c}`,
    transliterated: "† Imię zapisane pismem, którego ten list nie może wydrukować; podano je alfabetem łacińskim.",
    ledger: (s, r) => `Rejestr podpisów: wpisów ${s} · korzeń ${r}`,
  },
  de: {
    to: "An:",
    revision: (n) => `Textfassung ${n}`,
    translationNote: (o) => `Übersetzung. Originalsprache: ${o}; maßgeblich ist der Originaltext.`,
    signatoriesTitle: "Unterzeichnende",
    asOf: (d) => `Stand: ${d}`,
    revisionLegend: "Hat eine Person eine frühere Fassung des Textes unterzeichnet, steht deren Nummer unter dem Datum.",
    columns: {
      number: "Nr.",
      name: "Name",
      nameDetail: "Organisation, Funktion",
      city: "Ort",
      country: "Land",
      confirmed: "Bestätigt",
      confirmedDetail: "Datum (UTC)",
    },
    signedRevision: (n) => `Fassung ${n}`,
    onPaper: "auf Papier",
    noSignatures: "Es liegen noch keine bestätigten Unterschriften vor.",
    page: (x, y) => `Seite ${x} von ${y}`,
    verificationCode: (c) => `Prüfcode ${c}`,
    transliterated: "† Der Name ist in einer Schrift geschrieben, die dieser Brief nicht drucken kann; er steht in lateinischer Umschrift.",
    ledger: (s, r) => `Unterschriftenregister: ${s} Einträge · Wurzel ${r}`,
  },
  fr: {
    to: "À l’attention de :",
    revision: (n) => `Version du texte : ${n}`,
    translationNote: (o) => `Traduction. Langue originale : ${o} ; seul le texte original fait foi.`,
    signatoriesTitle: "Signataires",
    asOf: (d) => `au ${d}`,
    revisionLegend: "Lorsqu’une personne a signé une version antérieure du texte, son numéro figure sous la date.",
    columns: {
      number: "N°",
      name: "Nom",
      nameDetail: "Organisation, fonction",
      city: "Ville",
      country: "Pays",
      confirmed: "Confirmé le",
      confirmedDetail: "date (UTC)",
    },
    signedRevision: (n) => `version ${n}`,
    onPaper: "sur papier",
    noSignatures: "Aucune signature n’a encore été confirmée.",
    page: (x, y) => `Page ${x} sur ${y}`,
    verificationCode: (c) => `Code de vérification ${c}`,
    transliterated: "† Ce nom est écrit dans une écriture que cette lettre ne peut pas imprimer ; il est translittéré en caractères latins.",
    ledger: (s, r) => `Registre des signatures : ${s} entrées · racine ${r}`,
  },
  es: {
    to: "A la atención de:",
    revision: (n) => `Versión del texto: ${n}`,
    translationNote: (o) => `Traducción. Idioma original: ${o}; en caso de discrepancia prevalece el texto original.`,
    signatoriesTitle: "Firmantes",
    asOf: (d) => `a ${d}`,
    revisionLegend: "Si una persona firmó una versión anterior del texto, su número figura debajo de la fecha.",
    columns: {
      number: "N.º",
      name: "Nombre",
      nameDetail: "Organización, cargo",
      city: "Ciudad",
      country: "País",
      confirmed: "Confirmado",
      confirmedDetail: "fecha (UTC)",
    },
    signedRevision: (n) => `versión ${n}`,
    onPaper: "en papel",
    noSignatures: "Todavía no hay firmas confirmadas.",
    page: (x, y) => `Página ${x} de ${y}`,
    verificationCode: (c) => `Código de verificación ${c}`,
    transliterated: "† El nombre está escrito en un alfabeto que esta carta no puede imprimir; se muestra transliterado al alfabeto latino.",
    ledger: (s, r) => `Registro de firmas: ${s} entradas · raíz ${r}`,
  },
  ky: {
    to: "Кимге:",
    revision: (n) => `Тексттин ${n}-редакциясы`,
    translationNote: (o) => `Котормо. Түп нуска тили: ${o}; түп нусканын тексти негизги күчкө ээ.`,
    signatoriesTitle: "Кол койгондор",
    asOf: (d) => `${d} абалы боюнча`,
    revisionLegend: "Эгер кол коюучу тексттин мурунку редакциясына кол койгон болсо, анын номери дата астында көрсөтүлгөн.",
    columns: {
      number: "№",
      name: "Аты-жөнү",
      nameDetail: "Уюм, кызматы",
      city: "Шаар",
      country: "Өлкө",
      confirmed: "Ырасталды",
      confirmedDetail: "күнү (UTC)",
    },
    signedRevision: (n) => `${n}-редакция`,
    onPaper: "кагазда",
    noSignatures: "Азырынча ырасталган колдор жок.",
    page: (x, y) => `${y} беттин ${x}-бети`,
    verificationCode: (c) => `Текшерүү коду ${c}`,
    transliterated: "† Ысым бул кат басып чыгара албаган жазуу менен жазылган; ал латын тамгалары менен берилди.",
    ledger: (s, r) => `Колдор реестри: жазуулар ${s} · тамыр ${r}`,
  },
  uz: {
    to: "Kimga:",
    revision: (n) => `Matnning ${n}-tahriri`,
    translationNote: (o) => `Tarjima. Asl nusxa tili: ${o}; asl matn ustuvor kuchga ega.`,
    signatoriesTitle: "Imzolaganlar",
    asOf: (d) => `${d} holatiga koʻra`,
    revisionLegend: "Agar imzolovchi matnning avvalgi tahririni imzolagan boʻlsa, uning raqami sana ostida koʻrsatilgan.",
    columns: {
      number: "№",
      name: "Ism-familiya",
      nameDetail: "Tashkilot, lavozim",
      city: "Shahar",
      country: "Davlat",
      confirmed: "Tasdiqlangan",
      confirmedDetail: "sana (UTC)",
    },
    signedRevision: (n) => `${n}-tahrir`,
    onPaper: "qogʻozda",
    noSignatures: "Hozircha tasdiqlangan imzolar yoʻq.",
    page: (x, y) => `${y} sahifadan ${x}-sahifa`,
    verificationCode: (c) => `Tekshirish kodi ${c}`,
    transliterated: "† Ism ushbu xat chop eta olmaydigan yozuvda yozilgan; u lotin harflarida berilgan.",
    ledger: (s, r) => `Imzolar reyestri: yozuvlar ${s} · ildiz ${r}`,
  },
  tg: {
    to: "Ба:",
    revision: (n) => `Таҳрири матн: ${n}`,
    translationNote: (o) => `Тарҷума. Забони асл: ${o}; матни асл эътибори бартар дорад.`,
    signatoriesTitle: "Имзокунандагон",
    asOf: (d) => `то ${d}`,
    revisionLegend: "Агар имзокунанда таҳрири пештараи матнро имзо карда бошад, рақами он дар зери сана нишон дода шудааст.",
    columns: {
      number: "№",
      name: "Ному насаб",
      nameDetail: "Ташкилот, вазифа",
      city: "Шаҳр",
      country: "Кишвар",
      confirmed: "Тасдиқ шуд",
      confirmedDetail: "сана (UTC)",
    },
    signedRevision: (n) => `таҳрири ${n}`,
    onPaper: "дар коғаз",
    noSignatures: "Ҳоло имзоҳои тасдиқшуда нестанд.",
    page: (x, y) => `Саҳифаи ${x} аз ${y}`,
    verificationCode: (c) => `Рамзи санҷиш ${c}`,
    transliterated: "† Ном бо хате навишта шудааст, ки ин нома чоп карда наметавонад; он бо ҳарфҳои лотинӣ оварда шудааст.",
    ledger: (s, r) => `Феҳристи имзоҳо: сабтҳо ${s} · реша ${r}`,
  },
  ar: {
    to: "إلى:",
    revision: (n) => `صيغة النص رقم ${n}`,
    translationNote: (o) => `ترجمة. لغة الأصل: ${o}؛ ويُعتمد النص الأصلي عند الاختلاف.`,
    signatoriesTitle: "الموقّعون",
    asOf: (d) => `حتى تاريخ ${d}`,
    revisionLegend: "إذا وقّع أحد الموقّعين على صيغة سابقة من النص، يُذكر رقمها تحت التاريخ.",
    columns: {
      number: "رقم",
      name: "الاسم",
      nameDetail: "الجهة، المنصب",
      city: "المدينة",
      country: "البلد",
      confirmed: "التأكيد",
      confirmedDetail: "التاريخ (UTC)",
    },
    signedRevision: (n) => `الصيغة ${n}`,
    onPaper: "على الورق",
    noSignatures: "لا توجد توقيعات مؤكَّدة حتى الآن.",
    page: (x, y) => `الصفحة ${x} من ${y}`,
    verificationCode: (c) => `رمز التحقق ${c}`,
    transliterated: "† الاسم مكتوب بخط لا تستطيع هذه الرسالة طباعته؛ لذا يظهر بحروف لاتينية.",
    ledger: (s, r) => `سجل التوقيعات: عدد القيود ${s} · الجذر ${r}`,
  },
  fa: {
    to: "گیرنده:",
    revision: (n) => `ویرایش متن: ${n}`,
    translationNote: (o) => `ترجمه. زبان اصلی: ${o}؛ در صورت اختلاف، متن اصلی ملاک است.`,
    signatoriesTitle: "امضاکنندگان",
    asOf: (d) => `تا تاریخ ${d}`,
    revisionLegend: "اگر امضاکننده\u200cای ویرایش پیشین متن را امضا کرده باشد، شمارهٔ آن زیر تاریخ آمده است.",
    columns: {
      number: "ردیف",
      name: "نام و نام خانوادگی",
      nameDetail: "سازمان، سمت",
      city: "شهر",
      country: "کشور",
      confirmed: "تأیید",
      confirmedDetail: "تاریخ (UTC)",
    },
    signedRevision: (n) => `ویرایش ${n}`,
    onPaper: "روی کاغذ",
    noSignatures: "هنوز هیچ امضای تأییدشده\u200cای وجود ندارد.",
    page: (x, y) => `صفحهٔ ${x} از ${y}`,
    verificationCode: (c) => `کد راستی\u200cآزمایی ${c}`,
    transliterated: "† نام به خطی نوشته شده که این نامه نمی\u200cتواند آن را چاپ کند؛ از این رو با حروف لاتین آمده است.",
    ledger: (s, r) => `دفتر امضاها: ${s} مدخل · ریشه ${r}`,
  },
};

/** The letter language to use for `lang`: an exact content language, its base ("kk-KZ" → kk), else English. */
export function letterLanguage(lang: string): ContentLang {
  if (isContentLang(lang)) return lang;
  const base = lang.toLowerCase().split(/[-_]/)[0];
  return isContentLang(base) ? base : "en";
}

export function letterStrings(lang: string): LetterStrings {
  return LETTER_STRINGS[letterLanguage(lang)];
}

/** "{n} signatories" in each letter language, one form per plural category (./i18n/plural). */
export const SIGNATORIES: PluralTable<ContentLang, (n: string) => string> = {
  en: { one: (n) => `${n} signatory`, other: (n) => `${n} signatories` },
  ru: { one: (n) => `${n} подписант`, few: (n) => `${n} подписанта`, many: (n) => `${n} подписантов`, other: (n) => `${n} подписанта` },
  kk: { one: (n) => `${n} қол қоюшы`, other: (n) => `${n} қол қоюшы` },
  uk: { one: (n) => `${n} підписант`, few: (n) => `${n} підписанти`, many: (n) => `${n} підписантів`, other: (n) => `${n} підписанта` },
  pl: { one: (n) => `${n} sygnatariusz`, few: (n) => `${n} sygnatariusze`, many: (n) => `${n} sygnatariuszy`, other: (n) => `${n} sygnatariusza` },
  de: { one: (n) => `${n} unterzeichnende Person`, other: (n) => `${n} unterzeichnende Personen` },
  fr: { one: (n) => `${n} signataire`, many: (n) => `${n} de signataires`, other: (n) => `${n} signataires` },
  es: { one: (n) => `${n} firmante`, many: (n) => `${n} de firmantes`, other: (n) => `${n} firmantes` },
  ky: { one: (n) => `${n} кол коюучу`, other: (n) => `${n} кол коюучу` },
  uz: { one: (n) => `${n} imzolovchi`, other: (n) => `${n} imzolovchi` },
  tg: { one: (n) => `${n} имзокунанда`, other: (n) => `${n} имзокунанда` },
  // Arabic: 1 and 2 are said in words (a numeral before them reads as redundant), 3–10 take the plural, 11–99 the accusative singular, 100… and 0 the genitive singular.
  ar: {
    zero: (n) => `${n} موقّع`,
    one: () => "موقّع واحد",
    two: () => "موقّعان",
    few: (n) => `${n} موقّعين`,
    many: (n) => `${n} موقّعًا`,
    other: (n) => `${n} موقّع`,
  },
  fa: { one: (n) => `${n} امضاکننده`, other: (n) => `${n} امضاکننده` },
};
