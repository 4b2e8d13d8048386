import { useRef } from "react";
import { Field } from "~/components/form";
import { useT } from "~/i18n/react";
import { slugify } from "~/utils/slug";

/**
 * The new appeal's title and web address. As the title is typed, the address is proposed from it
 * (Cyrillic, Kazakh letters included, written in Latin: app/utils/slug.ts) until the organizer
 * edits the address; emptied, it follows the title again. Without JavaScript, an address left
 * empty is made from the title by the server, the same way.
 */
export function TitleAndSlug({ title, slug, errors }: { title?: string; slug?: string; errors: Record<string, string> }) {
  const { t } = useT();
  const slugInput = useRef<HTMLInputElement>(null);
  const edited = useRef(Boolean(slug));
  return (
    <>
      <Field
        name="title"
        label={t("dash.titleField")}
        required
        defaultValue={title}
        error={errors.title}
        maxLength={300}
        onInput={(event) => {
          if (!edited.current && slugInput.current) slugInput.current.value = slugify(event.currentTarget.value);
        }}
      />
      <Field
        name="slug"
        label={t("dash.slug")}
        hint={t("register.slugHint")}
        defaultValue={slug}
        error={errors.slug}
        maxLength={80}
        inputRef={slugInput}
        onInput={(event) => {
          edited.current = event.currentTarget.value !== "";
        }}
      />
    </>
  );
}
