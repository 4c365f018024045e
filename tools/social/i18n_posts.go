package social

// The interface texts of editing and deleting posts and of content
// warnings (posts.go), added to catalog; a key already there is a mistake.
func init() {
	addTexts(map[string][2]string{
		"post.edit":            {"Edit", "عدّل"},
		"post.edited":          {"edited", "عُدّل"},
		"post.edited_at":       {"edited on %s", "عُدّل في %s"},
		"post.cw":              {"Content warning:", "تنبيه على المحتوى:"},
		"compose.warning":      {"Content warning (optional): the post stays hidden behind it until opened", "تنبيه على المحتوى (اختياري): يبقى المنشور مخفيًا خلفه حتى يُفتح"},
		"compose.warning_hint": {"e.g. spoilers, violence", "مثلًا: حرق للأحداث، عنف"},
		"field.warning":        {"The content warning", "التنبيه على المحتوى"},
		"delete.title":         {"Delete this post?", "أتحذف هذا المنشور؟"},
		"delete.text":          {"It disappears from here at once, and you can bring it back within %d minutes. After that, the people who follow you stop seeing it too.", "سيختفي من هنا فورًا، ويمكنك استعادته خلال %d دقيقة. بعد ذلك يتوقف متابعوك عن رؤيته أيضًا."},
		"delete.text_now":      {"It disappears at once, and the people who follow you stop seeing it.", "سيختفي فورًا، ويتوقف متابعوك عن رؤيته."},
		"delete.confirm":       {"Delete", "احذف"},
		"delete.keep":          {"Keep it", "أبقِه"},
		"undo.deleted":         {"Post deleted: %s", "حُذف منشورك: %s"},
		"undo.button":          {"Undo", "تراجع"},
		"err.undo_late":        {"It is too late to bring this post back: its deletion has been published.", "فات وقت استعادة هذا المنشور: نُشر حذفه."},
		"edit.title":           {"Edit your post", "عدّل منشورك"},
		"edit.text":            {"The people who follow you see the new version, marked as edited.", "يرى متابعوك النسخة الجديدة، مع إشارة إلى أنها عُدّلت."},
		"edit.label":           {"Your post", "منشورك"},
		"edit.save":            {"Save", "احفظ"},
		"edit.cancel":          {"Cancel", "إلغاء"},
	})
}
