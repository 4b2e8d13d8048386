import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useLang } from "~/i18n/react";
import { env } from "~/utils/env.server";

export const meta: MetaFunction = () => [{ title: "Privacy · Appeals" }];

export async function loader(_: LoaderFunctionArgs) {
  return json({ retentionDays: env().RETENTION_DAYS, ttlDays: Math.round(env().SIGNATURE_TOKEN_TTL_HOURS / 24) });
}

type Notice = { title: string; sections: Array<[string, string]> };

const NOTICE: Record<"en" | "ru" | "kk", (d: { retentionDays: number; ttlDays: number }) => Notice> = {
  en: (d) => ({
    title: "Privacy notice",
    sections: [
      [
        "What we collect",
        "When you sign: your name, the details the appeal asks for (city, country, organization, position), how you chose to appear publicly, and your e-mail address. We do not use cookies for tracking and load nothing from other sites.",
      ],
      [
        "Who sees what",
        "Your name and details go to the addressees in the delivered letter, whatever you choose for the public list. The public list shows you as you chose: full name and city, initials and city, or not at all. Your e-mail address is never shown publicly, printed in letters or given to the addressees; the organizers receive it (in their export of signatories) only if you ticked “Keep me informed”, and only to send you news about this appeal.",
      ],
      [
        "Confirmation",
        `A signature counts only once you confirm it through the link we e-mail you. Unconfirmed signatures and their addresses are deleted after ${d.ttlDays} days.`,
      ],
      [
        "Your IP address",
        "We keep only a keyed hash of it, for rate limiting against abuse, and delete it within a day (on appeals with minimal data, not even that).",
      ],
      [
        "How long we keep it",
        `${d.retentionDays} days after an appeal is delivered or closed, e-mail addresses and hashed IP addresses of its signers are deleted automatically; what the delivered letter contained is kept so that it can still be verified.`,
      ],
      [
        "Appeals with minimal data",
        "Organizers can choose “minimal data” for an appeal whose signers could be in danger for signing (the appeal's page says so). Then: no trace of your IP address is stored at all (abuse limits count a key that exists only in the server's memory and changes every hour); e-mails to you have a neutral subject and sender that name neither the appeal nor the organization; your e-mail address is erased as soon as you confirm, unless you asked to be kept informed, and then it is erased as soon as the appeal is closed or delivered. Until then we keep a keyed hash of the address (it cannot be turned back into the address without the server's key) so that the same address cannot sign twice. Your name and details are kept for the letter, as for every appeal.",
      ],
      [
        "What this protects against",
        "The threat model of this software says what each of these measures protects against — a seized server, a mail provider reading mailboxes, a scraper of public lists, a rogue organizer — and what none can: a name shown publicly is public, and a receipt proves that you signed. It is the file docs/threat-model.md in the source code of Appeals, published with the software.",
      ],
      [
        "Your rights",
        "Every e-mail we send has a link to withdraw your signature. Until the letter is delivered, withdrawing deletes your signature; afterwards your withdrawal is recorded and listed publicly without your name. You can ask, by e-mail link, for everything we hold about you.",
      ],
    ],
  }),
  ru: (d) => ({
    title: "Политика конфиденциальности",
    sections: [
      [
        "Что мы собираем",
        "Когда вы подписываете: ваше имя, данные, которые запрашивает обращение (город, страна, организация, должность), ваш выбор публичного отображения и адрес электронной почты. Мы не используем cookie для слежения и ничего не загружаем с других сайтов.",
      ],
      [
        "Кто что видит",
        "Ваше имя и данные передаются адресатам в письме независимо от того, что вы выбрали для публичного списка. Публичный список показывает вас так, как вы выбрали: полное имя и город, инициалы и город или никак. Адрес почты никогда не показывается публично, не печатается в письмах и не передаётся адресатам; организаторы получают его (в выгрузке подписавших), только если вы отметили «Сообщать мне новости», и только для новостей об этом обращении.",
      ],
      [
        "Подтверждение",
        `Подпись засчитывается только после подтверждения по ссылке из письма. Неподтверждённые подписи и их адреса удаляются через ${d.ttlDays} дней.`,
      ],
      [
        "Ваш IP-адрес",
        "Мы храним только его хэш с ключом — для ограничения злоупотреблений — и удаляем его в течение суток (в обращениях с минимумом данных — не храним и его).",
      ],
      [
        "Сроки хранения",
        `Через ${d.retentionDays} дней после передачи или закрытия обращения адреса почты и хэши IP-адресов подписавших удаляются автоматически; содержание переданного письма сохраняется, чтобы его можно было проверить.`,
      ],
      [
        "Обращения с минимумом данных",
        "Организаторы могут выбрать «минимум данных» для обращения, подписантам которого подпись может грозить опасностью (об этом сказано на странице обращения). Тогда: никакого следа вашего IP-адреса не сохраняется вовсе (ограничения против злоупотреблений считают ключ, который существует только в памяти сервера и меняется каждый час); письма вам приходят с нейтральной темой и отправителем, без названия обращения и организации; адрес почты стирается сразу после подтверждения, если вы не просили сообщать новости, а в этом случае — сразу после закрытия или передачи обращения. До тех пор мы храним хэш адреса с ключом (без ключа сервера по нему нельзя восстановить адрес), чтобы один адрес не мог подписать дважды. Имя и данные хранятся для письма, как и в любом обращении.",
      ],
      [
        "От чего это защищает",
        "Модель угроз этой программы описывает, от чего защищает каждая из этих мер — изъятие сервера, почтовый провайдер, читающий письма, сборщик публичных списков, недобросовестный организатор, — и от чего не защищает ни одна: имя, показанное публично, публично, а квитанция доказывает, что вы подписали. Это файл docs/threat-model.md в исходном коде «Обращений», который публикуется вместе с программой.",
      ],
      [
        "Ваши права",
        "В каждом нашем письме есть ссылка для отзыва подписи. До передачи письма отзыв удаляет подпись; после — отзыв записывается и публикуется без вашего имени. По ссылке из письма вы можете запросить всё, что мы о вас храним.",
      ],
    ],
  }),
  kk: (d) => ({
    title: "Құпиялылық саясаты",
    sections: [
      [
        "Не жинаймыз",
        "Қол қойғанда: атыңыз, үндеу сұрайтын деректер (қала, ел, ұйым, лауазым), жария көрсетілу таңдауыңыз және электрондық пошта мекенжайыңыз. Біз бақылау үшін cookie қолданбаймыз және басқа сайттардан ештеңе жүктемейміз.",
      ],
      [
        "Кім не көреді",
        "Атыңыз бен деректеріңіз жария тізім үшін не таңдағаныңызға қарамастан хатта адресаттарға жіберіледі. Жария тізім сізді өзіңіз таңдағандай көрсетеді: толық аты-жөні мен қала, бас әріптер мен қала немесе мүлде көрсетпейді. Пошта мекенжайыңыз ешқашан жария көрсетілмейді, хаттарда басылмайды және адресаттарға берілмейді; ұйымдастырушылар оны (қол қойғандар тізімінің экспортында) тек сіз «Жаңалықтарды хабарлау» белгісін қойсаңыз және тек осы үндеу туралы жаңалық жіберу үшін алады.",
      ],
      [
        "Растау",
        `Қолтаңба тек хаттағы сілтеме арқылы расталғаннан кейін есептеледі. Расталмаған қолтаңбалар мен олардың мекенжайлары ${d.ttlDays} күннен кейін жойылады.`,
      ],
      [
        "IP-мекенжайыңыз",
        "Біз оның тек кілтпен хэшін теріс пайдалануды шектеу үшін сақтаймыз және бір тәулік ішінде жоямыз (ең аз деректі үндеулерде оны да сақтамаймыз).",
      ],
      [
        "Сақтау мерзімі",
        `Үндеу жеткізілгеннен немесе жабылғаннан кейін ${d.retentionDays} күн өткен соң қол қойғандардың пошта мекенжайлары мен IP хэштері автоматты түрде жойылады; жеткізілген хаттың мазмұны оны тексеру мүмкін болуы үшін сақталады.`,
      ],
      [
        "Ең аз деректі үндеулер",
        "Ұйымдастырушылар қол қою қол қоюшыларға қауіп төндіруі мүмкін үндеу үшін «ең аз дерек» режимін таңдай алады (бұл үндеу бетінде айтылады). Бұл кезде: IP-мекенжайыңыздың ешбір ізі мүлде сақталмайды (теріс пайдалануға қарсы шектеулер тек сервер жадында болатын және әр сағат сайын өзгеретін кілтті санайды); сізге жіберілетін хаттардың тақырыбы мен жіберушісі бейтарап, онда үндеудің де, ұйымның да атауы жоқ; пошта мекенжайыңыз жаңалықтарды хабарлауды сұрамасаңыз, расталған бойда өшіріледі, ал сұрасаңыз — үндеу жабылған немесе жеткізілген бойда. Оған дейін бір мекенжай екі рет қол қоя алмауы үшін мекенжайдың кілтпен хэшін сақтаймыз (сервер кілтінсіз одан мекенжайды қалпына келтіру мүмкін емес). Аты-жөніңіз бен деректеріңіз кез келген үндеудегідей хат үшін сақталады.",
      ],
      [
        "Бұл неден қорғайды",
        "Осы бағдарламаның қауіп моделі әр шараның неден қорғайтынын — серверді тәркілеу, хаттарды оқитын пошта провайдері, жария тізімдерді жинаушы, адал емес ұйымдастырушы — және ешқайсысы неден қорғай алмайтынын сипаттайды: жария көрсетілген аты-жөн жария, ал түбіртек сіздің қол қойғаныңызды дәлелдейді. Бұл — бағдарламамен бірге жарияланатын «Үндеулер» бастапқы кодындағы docs/threat-model.md файлы.",
      ],
      [
        "Сіздің құқықтарыңыз",
        "Біздің әр хатымызда қолтаңбаны кері алу сілтемесі бар. Хат жеткізілгенге дейін кері алу қолтаңбаны жояды; кейін — кері алу тіркеліп, атыңызсыз жарияланады. Хаттағы сілтеме арқылы біз сіз туралы сақтайтын барлық деректі сұрай аласыз.",
      ],
    ],
  }),
};

export default function Privacy() {
  const data = useLoaderData<typeof loader>();
  const notice = NOTICE[useLang()](data);
  return (
    <div className="narrow">
      <h1>{notice.title}</h1>
      {notice.sections.map(([h, p]) => (
        <section key={h}>
          <h2>{h}</h2>
          <p>{p}</p>
        </section>
      ))}
    </div>
  );
}
