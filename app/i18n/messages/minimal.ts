import { defineMessages } from "../define";

/** The minimal-data preset (issue 14 point 2): the organizer's checkbox and its plain-words explanation. */
export const minimal = defineMessages({
  en: {
    "minimal.label": "Minimal data: for appeals whose signers could be in danger for signing",
    "minimal.explain":
      "We then keep as little as possible about signers. No trace of their IP address is stored. E-mails to them have a neutral subject and sender that name neither this appeal nor your organization. A signer's e-mail address is erased as soon as they confirm, unless they asked to be kept informed. The remaining addresses are erased as soon as the appeal is closed or delivered, so updates can be sent only until then. Names and details still go into the letter, as each signer chose.",
    "minimal.locked": "Minimal data is on. It cannot be turned off: people have signed under it.",
    "minimal.signer":
      "This appeal keeps minimal data about signers: no trace of your IP address is stored, e-mails to you do not name the appeal, and your e-mail address is erased as soon as you confirm, unless you ask to be kept informed (then when the appeal is closed or delivered).",
    "minimal.signerMore": "What is kept, and for how long",
    "minimal.noAddress": "This appeal does not keep your e-mail address, so the receipt cannot be e-mailed: copy it or download it.",
    "minimal.laterOn":
      "Turning it on now also erases, at once, the addresses of confirmed signers who did not ask to be kept informed, and every stored IP trace.",
  },
  ru: {
    "minimal.label": "Минимум данных: для обращений, подписантам которых подпись может грозить опасностью",
    "minimal.explain":
      "Тогда мы храним о подписавших как можно меньше. Никакого следа их IP-адреса не сохраняется. Письма им приходят с нейтральной темой и отправителем, в которых нет ни названия обращения, ни вашей организации. Адрес почты подписавшего стирается сразу после подтверждения, если он не просил сообщать новости. Остальные адреса стираются сразу после закрытия или передачи обращения, поэтому новости можно рассылать только до этого момента. Имена и данные по-прежнему попадают в письмо так, как выбрал каждый подписавший.",
    "minimal.locked": "Минимум данных включён. Выключить его нельзя: люди уже подписали на этих условиях.",
    "minimal.signer":
      "Это обращение хранит о подписавших минимум данных: никакого следа вашего IP-адреса не сохраняется, письма вам не называют обращение, а адрес почты стирается сразу после подтверждения, если вы не попросите сообщать новости (тогда — после закрытия или передачи обращения).",
    "minimal.signerMore": "Что хранится и как долго",
    "minimal.noAddress": "Это обращение не хранит ваш адрес почты, поэтому квитанцию нельзя отправить письмом: скопируйте или скачайте её.",
    "minimal.laterOn": "Если включить сейчас, сразу сотрутся и адреса подтвердивших, кто не просил сообщать новости, и все сохранённые следы IP-адресов.",
  },
  kk: {
    "minimal.label": "Ең аз дерек: қол қою қол қоюшыларға қауіп төндіруі мүмкін үндеулер үшін",
    "minimal.explain":
      "Бұл кезде біз қол қоюшылар туралы барынша аз сақтаймыз. Олардың IP-мекенжайының ешбір ізі сақталмайды. Оларға жіберілетін хаттардың тақырыбы мен жіберушісі бейтарап: онда осы үндеудің де, ұйымыңыздың да атауы жоқ. Қол қоюшының пошта мекенжайы ол жаңалықтарды хабарлауды сұрамаса, расталған бойда өшіріледі. Қалған мекенжайлар үндеу жабылған немесе жеткізілген бойда өшіріледі, сондықтан жаңалықтарды тек осы сәтке дейін жіберуге болады. Аты-жөндер мен деректер бұрынғыдай әр қол қоюшы таңдағандай хатқа енеді.",
    "minimal.locked": "Ең аз дерек режимі қосулы. Оны өшіруге болмайды: адамдар осы шартпен қол қойды.",
    "minimal.signer":
      "Бұл үндеу қол қоюшылар туралы ең аз дерек сақтайды: IP-мекенжайыңыздың ешбір ізі сақталмайды, сізге жіберілетін хаттар үндеудің атын атамайды, ал пошта мекенжайыңыз жаңалықтарды сұрамасаңыз, расталған бойда өшіріледі (сұрасаңыз — үндеу жабылған немесе жеткізілген кезде).",
    "minimal.signerMore": "Не сақталады және қанша уақыт",
    "minimal.noAddress": "Бұл үндеу пошта мекенжайыңызды сақтамайды, сондықтан түбіртекті хатпен жіберу мүмкін емес: оны көшіріп алыңыз немесе жүктеп алыңыз.",
    "minimal.laterOn": "Қазір қоссаңыз, жаңалық сұрамаған расталған қол қоюшылардың мекенжайлары мен сақталған IP іздерінің бәрі бірден өшіріледі.",
  },
});
