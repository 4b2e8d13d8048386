import { defineMessages } from "../define";

/** The signatory ledger on /verify/<code> (app/services/ledger.server.ts). */
export const ledger = defineMessages({
  en: {
    "ledger.title": "Signatory ledger",
    "ledger.intro":
      "Every confirmed signature is a leaf of this appeal's append-only tree. The letter prints the tree's size and root on every page; anyone holding the letter can recompute them from the list embedded in it.",
    "ledger.size": "Tree size (leaves)",
    "ledger.root": "Tree root (SHA-256)",
    "ledger.none": "This letter was generated before the signatory ledger existed: it carries no tree.",
    "ledger.extends": "Earlier letters this one extends",
    "ledger.extendsNone": "No earlier letter of this appeal holds a smaller tree.",
    "ledger.checked": "consistency proof checked",
    "ledger.notChecked": "consistency proof does NOT check",
    "ledger.earlier": "{code}: {size} leaves",
    "ledger.revoked": "Withdrawn since this letter",
    "ledger.revokedNone": "No signature in this letter has been withdrawn since it was generated.",
    "ledger.revokedIntro": "Leaves of this letter whose signature was withdrawn or removed after the letter was generated (no names):",
    "ledger.revokedEntry": "leaf {index}, {day}",
    "ledger.revokedMore": "and {count} more (the full list is in the signed revocation list).",
    "ledger.net": "Net count",
    "ledger.netHint": "Net count: the signatories in this letter minus those withdrawn since it was generated.",
    "ledger.json": "These facts as JSON",
    "ledger.signed": "Revocation list (signed)",
    "ledger.signedSignature": "its signature (.p7s)",
    "ledger.signedHow":
      "The organization signs the full revocation list with its current certificate. Save both files and check them with OpenSSL (the commands below), then compare the certificate's SHA-256 fingerprint with the one the organization publishes. The list's own lines name the certificate that signed this letter and the one that signed the list.",
    "ledger.signedNotFound": "No letter with this code holds a signatory ledger.",
    "ledger.signedTooMany": "This letter has {count} withdrawn signatures, more than the {max} a signed list can hold here. Ask the organization for the list.",
    "letters.error.ledger_mismatch":
      "The signatures no longer match the signatory ledger (a row was changed after it was confirmed): no letter was made. Ask the operator to check the database.",
  },
  ru: {
    "ledger.title": "Реестр подписей",
    "ledger.intro":
      "Каждая подтверждённая подпись — лист дерева этого обращения, в которое можно только добавлять. Письмо печатает размер и корень дерева на каждой странице; любой, у кого есть письмо, может пересчитать их по вложенному в него списку.",
    "ledger.size": "Размер дерева (листьев)",
    "ledger.root": "Корень дерева (SHA-256)",
    "ledger.none": "Это письмо создано до появления реестра подписей: дерева в нём нет.",
    "ledger.extends": "Более ранние письма, которые это письмо продолжает",
    "ledger.extendsNone": "Нет более раннего письма этого обращения с меньшим деревом.",
    "ledger.checked": "доказательство согласованности проверено",
    "ledger.notChecked": "доказательство согласованности НЕ сходится",
    "ledger.earlier": "{code}: листьев — {size}",
    "ledger.revoked": "Отозвано после этого письма",
    "ledger.revokedNone": "Ни одна подпись из этого письма не была отозвана после его создания.",
    "ledger.revokedIntro": "Листья этого письма, подписи которых отозваны или удалены после его создания (без имён):",
    "ledger.revokedEntry": "лист {index}, {day}",
    "ledger.revokedMore": "и ещё {count} (полный список — в подписанном списке отзывов).",
    "ledger.net": "Итоговое число",
    "ledger.netHint": "Итоговое число: подписавшие в этом письме минус отозвавшие подпись после его создания.",
    "ledger.json": "Эти данные в формате JSON",
    "ledger.signed": "Список отзывов (подписан)",
    "ledger.signedSignature": "его подпись (.p7s)",
    "ledger.signedHow":
      "Организация подписывает полный список отзывов своим текущим сертификатом. Сохраните оба файла и проверьте их в OpenSSL (команды ниже), затем сравните отпечаток SHA-256 сертификата с тем, который публикует организация. В самом списке названы сертификат, подписавший это письмо, и сертификат, подписавший список.",
    "ledger.signedNotFound": "Нет письма с этим кодом, в котором есть реестр подписей.",
    "ledger.signedTooMany":
      "У этого письма отозвано подписей: {count} — больше, чем {max}, которые здесь умещаются в подписанный список. Запросите список у организации.",
    "letters.error.ledger_mismatch":
      "Подписи больше не совпадают с реестром подписей (строку изменили после подтверждения): письмо не создано. Попросите администратора проверить базу данных.",
  },
  kk: {
    "ledger.title": "Қолтаңбалар тізілімі",
    "ledger.intro":
      "Әрбір расталған қолтаңба — осы үндеудің тек толықтырылатын ағашының жапырағы. Хат ағаштың өлшемі мен түбірін әр бетке басады; хаты бар кез келген адам оларды ішіне салынған тізім бойынша қайта есептей алады.",
    "ledger.size": "Ағаш өлшемі (жапырақтар)",
    "ledger.root": "Ағаш түбірі (SHA-256)",
    "ledger.none": "Бұл хат қолтаңбалар тізілімі пайда болғанға дейін жасалған: онда ағаш жоқ.",
    "ledger.extends": "Бұл хат жалғастыратын бұрынғы хаттар",
    "ledger.extendsNone": "Бұл үндеудің ағашы кішірек бұрынғы хаты жоқ.",
    "ledger.checked": "сәйкестік дәлелі тексерілді",
    "ledger.notChecked": "сәйкестік дәлелі СӘЙКЕС КЕЛМЕЙДІ",
    "ledger.earlier": "{code}: {size} жапырақ",
    "ledger.revoked": "Осы хаттан кейін қайтарылғандар",
    "ledger.revokedNone": "Бұл хаттағы бірде-бір қолтаңба ол жасалғаннан кейін қайтарылған жоқ.",
    "ledger.revokedIntro": "Хат жасалғаннан кейін қолтаңбасы қайтарылған немесе жойылған жапырақтар (атаусыз):",
    "ledger.revokedEntry": "{index}-жапырақ, {day}",
    "ledger.revokedMore": "және тағы {count} (толық тізім — қол қойылған кері қайтарылғандар тізімінде).",
    "ledger.net": "Таза сан",
    "ledger.netHint": "Таза сан: осы хаттағы қол қоюшылар минус хат жасалғаннан кейін қолын қайтарғандар.",
    "ledger.json": "Осы деректер JSON түрінде",
    "ledger.signed": "Кері қайтарылғандар тізімі (қол қойылған)",
    "ledger.signedSignature": "оның қолтаңбасы (.p7s)",
    "ledger.signedHow":
      "Ұйым кері қайтарылғандардың толық тізіміне өзінің ағымдағы сертификатымен қол қояды. Екі файлды да сақтап, OpenSSL-мен тексеріңіз (төмендегі командалар), содан кейін сертификаттың SHA-256 саусақ ізін ұйым жариялаған ізбен салыстырыңыз. Тізімнің өзінде осы хатқа қол қойған сертификат пен тізімге қол қойған сертификат аталған.",
    "ledger.signedNotFound": "Бұл кодпен қол қоюшылар тізілімі бар хат жоқ.",
    "ledger.signedTooMany":
      "Бұл хатта кері қайтарылған қолтаңбалар саны {count} — мұнда қол қойылған тізімге сыятын {max} санынан көп. Тізімді ұйымнан сұраңыз.",
    "letters.error.ledger_mismatch":
      "Қолтаңбалар енді қолтаңбалар тізілімімен сәйкес келмейді (жол расталғаннан кейін өзгертілген): хат жасалмады. Әкімшіден дерекқорды тексеруді сұраңыз.",
  },
});
