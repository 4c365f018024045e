package social

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
)

// The interface languages. Arabic is written right to left.
const (
	langEN = "en"
	langAR = "ar"
)

// catalog holds every interface text: key → [English, Arabic]. Format verbs
// (%s, %d) take the arguments in the same order in both.
var catalog = map[string][2]string{
	"app.name":           {"hams", "همس"},
	"app.tagline":        {"posts nobody can take down", "منشورات لا يستطيع أحد حجبها"},
	"nav.home":           {"Home", "الرئيسية"},
	"nav.people":         {"People", "الأشخاص"},
	"nav.profile":        {"Profile", "الملف الشخصي"},
	"nav.notes":          {"Notifications", "الإشعارات"},
	"nav.messages":       {"Messages", "الرسائل"},
	"nav.unread":         {"%d unread", "%d غير مقروءة"},
	"nav.search":         {"Search", "بحث"},
	"search.label":       {"Search for people and posts", "ابحث عن أشخاص ومنشورات"},
	"search.hint":        {"A name, words, or a #hashtag", "اسم، أو كلمات، أو #وسم"},
	"search.button":      {"Search", "ابحث"},
	"search.help":        {"Search the names and posts of the people you follow, the people they follow, and those who sent you notifications. Spelling variants match: احمد finds أحمد and إحمد, فاطمه finds فاطمة, emile finds Émile.", "ابحث في أسماء ومنشورات من تتابعهم، ومن يتابعونهم، ومن أرسلوا إليك إشعارات. تتطابق صور الكتابة المختلفة: «احمد» تجد «أحمد» و«إحمد»، و«فاطمه» تجد «فاطمة»، و«emile» تجد «Émile»."},
	"search.people":      {"People", "أشخاص"},
	"search.posts":       {"Posts", "منشورات"},
	"search.none":        {"Nothing found. Try fewer words, or the start of a name.", "لم نجد شيئًا. جرّب كلمات أقل، أو بداية الاسم."},
	"search.more":        {"Showing the best %d of %d results: add a word to narrow the search.", "تظهر أفضل %d من %d نتيجة: أضف كلمة لتضييق البحث."},
	"notes.title":        {"Notifications", "الإشعارات"},
	"notes.none":         {"Nothing yet. When someone replies to you, mentions you, likes your post or follows you, you will see it here.", "لا شيء بعد. حين يردّ عليك أحد أو يذكرك أو يعجبه منشورك أو يتابعك، ستراه هنا."},
	"notes.open":         {"Open", "افتح"},
	"notes.requests":     {"Requests (%d)", "طلبات (%d)"},
	"notes.requests_why": {"From people you do not follow, and whom nobody you follow follows. Accept to see their notes, or dismiss.", "من أشخاص لا تتابعهم ولا يتابعهم أحد ممن تتابع. اقبل لترى إشعاراتهم، أو تجاهلها."},
	"notes.accept":       {"Accept", "اقبل"},
	"notes.dismiss":      {"Dismiss", "تجاهل"},
	"note.reply":         {"replied to your post.", "ردّ على منشورك."},
	"note.mention":       {"mentioned you.", "ذكرك."},
	"note.like":          {"liked your post.", "أُعجب بمنشورك."},
	"note.follow":        {"follows you.", "يتابعك."},
	"note.message":       {"sent you a message.", "أرسل إليك رسالة."},
	"messages.title":     {"Conversations", "المحادثات"},
	"messages.none":      {"No messages yet. Open a person's page to write to them.", "لا رسائل بعد. افتح صفحة شخص لتكتب إليه."},
	"messages.with":      {"Messages with", "رسائل مع"},
	"messages.private":   {"Only the two of you can read these messages: they are sealed on this device. Others can see that someone wrote to this person, and when, but not who or what.", "لا يقرأ هذه الرسائل غيركما: تُختم على هذا الجهاز. قد يرى غيركما أن أحدًا كتب إلى هذا الشخص ومتى، لا من كتب ولا ماذا كتب."},
	"messages.label":     {"Your message", "رسالتك"},
	"messages.send":      {"Send", "أرسل"},
	"messages.cannot":    {"This person's app cannot receive private messages yet.", "لا يستقبل تطبيق هذا الشخص الرسائل الخاصة بعد."},
	"err.no_inbox":       {"This person cannot receive private messages yet (their app is older, or their feed has not been fetched).", "لا يمكن لهذا الشخص استقبال الرسائل الخاصة بعد (تطبيقه أقدم، أو لم تُجلب صفحته بعد)."},
	"err.not_published":  {"Your feed is not published yet; try again in a moment.", "لم تُنشر صفحتك بعد؛ أعد المحاولة بعد قليل."},
	"field.message":      {"The message", "الرسالة"},
	"lang.other":         {"العربية", "English"},

	"status.node_down":    {"The node at %s cannot be reached. Start it with: hams node", "تعذّر الوصول إلى العقدة على %s. شغّلها بالأمر: hams node"},
	"status.publishing":   {"Publishing your changes…", "جارٍ نشر تغييراتك…"},
	"status.publish_err":  {"Your latest changes are not published yet: the node could not publish them. They are kept here, and publishing is tried again by itself.", "لم تُنشر تغييراتك الأخيرة بعد: تعذّر على العقدة نشرها. هي محفوظة هنا، وستُعاد محاولة النشر تلقائيًا."},
	"status.other_device": {"Another device of yours published your feed %s minutes ago: what it wrote is merged with what you write here.", "نشر جهازٌ آخر لك حسابك قبل %s دقيقة: ما كتبه يُدمج مع ما تكتبه هنا."},
	"status.pending":      {"not published yet", "لم يُنشر بعد"},

	"welcome.title":  {"Welcome to hams", "أهلًا بك في همس"},
	"welcome.text":   {"Create an identity to publish posts and follow people. It is made and kept on this machine: nobody can post as you without it, and nobody can take your posts down.", "أنشئ هويةً لتنشر وتتابع الآخرين. تُنشأ هويتك وتُحفظ على هذا الجهاز: لا يستطيع أحد النشر باسمك من دونها، ولا حجب منشوراتك."},
	"form.name":      {"Name", "الاسم"},
	"form.bio":       {"About you", "نبذة عنك"},
	"form.avatar":    {"Picture", "الصورة"},
	"form.create":    {"Create identity", "أنشئ الهوية"},
	"import.title":   {"Import an identity", "استورد هوية"},
	"import.text":    {"Moving from another machine? Import the identity file you exported there.", "تنتقل من جهاز آخر؟ استورد ملف الهوية الذي صدّرته هناك."},
	"form.file":      {"Identity file", "ملف الهوية"},
	"form.import":    {"Import", "استورد"},
	"compose.label":  {"New post", "منشور جديد"},
	"compose.hint":   {"What's on your mind?", "بمَ تفكّر؟"},
	"compose.images": {"Images (up to %d)", "صور (حتى %d)"},
	"compose.post":   {"Post", "انشر"},
	"compose.reply":  {"Reply to %s", "ردّ على %s"},
	"compose.cancel": {"Cancel", "إلغاء"},

	"post.reply":       {"Reply", "ردّ"},
	"post.like":        {"Like", "أعجبني"},
	"post.unlike":      {"Unlike", "ألغِ الإعجاب"},
	"post.likes":       {"♥ %d", "♥ %d"},
	"post.delete":      {"Delete", "احذف"},
	"post.in_reply_to": {"in reply to %s", "ردًّا على %s"},
	"post.someone":     {"someone", "شخص ما"},
	"post.image":       {"Image %d of %s's post", "الصورة %d من منشور %s"},
	"post.avatar":      {"%s's picture", "صورة %s"},
	"post.you":         {"you", "أنت"},

	"timeline.empty": {"Nothing here yet. Follow people on the People page, or write the first post.", "لا شيء هنا بعد. تابع أشخاصًا من صفحة الأشخاص، أو اكتب أول منشور."},
	"timeline.older": {"Older posts", "منشورات أقدم"},
	"timeline.newer": {"Newest posts", "أحدث المنشورات"},
	"timeline.live":  {"New posts appear here as they arrive.", "تظهر المنشورات الجديدة هنا حين تصل."},

	"people.share":        {"Your address: share it so that people can follow you.", "عنوانك: شاركه ليتابعك الآخرون."},
	"people.follow_label": {"Follow someone by their address or invite link", "تابِع شخصًا بعنوانه أو برابط دعوته"},
	"people.follow":       {"Follow", "تابِع"},
	"people.unfollow":     {"Unfollow", "ألغِ المتابعة"},
	"people.message":      {"Message", "راسِل"},
	"people.mute":         {"Mute", "اكتم"},
	"people.unmute":       {"Unmute", "ألغِ الكتم"},
	"people.block":        {"Block", "احظر"},
	"people.unblock":      {"Unblock", "ألغِ الحظر"},
	"people.hidden":       {"Blocked and muted", "المحظورون والمكتومون"},
	"err.block_self":      {"You cannot block yourself.", "لا يمكنك حظر نفسك."},
	"people.following":    {"Following (%d)", "تتابعهم (%d)"},
	"people.suggested":    {"Followed by people you follow", "يتابعهم من تتابعهم"},
	"people.none":         {"You follow nobody yet.", "لا تتابع أحدًا بعد."},
	"people.waiting":      {"waiting for their posts to arrive", "بانتظار وصول منشوراتهم"},
	"people.followed_by":  {"followed by %s", "يتابعه %s"},

	"identity.title":  {"Your identity", "هويتك"},
	"identity.export": {"Export identity", "صدّر الهوية"},
	"identity.warn":   {"The file holds your secret key: whoever has it can post as you. Keep it safe, and import it on your other machine with hams social.", "يحوي الملف مفتاحك السرّي: من يملكه يستطيع النشر باسمك. احفظه في مكان آمن، واستورده على جهازك الآخر في همس."},

	"profile.title":  {"Edit your profile", "عدّل ملفك الشخصي"},
	"profile.save":   {"Save", "احفظ"},
	"profile.remove": {"Remove the picture", "أزل الصورة"},
	"feed.updates":   {"updates: %d", "التحديثات: %d"},
	"feed.posts":     {"%d posts", "%d منشورًا"},
	"feed.notfound":  {"You do not follow this person, and nobody you follow does.", "أنت لا تتابع هذا الشخص، ولا يتابعه أحد ممن تتابعهم."},

	"field.name": {"The name", "الاسم"},
	"field.bio":  {"The text about you", "النبذة"},
	"field.text": {"The post", "المنشور"},
	"field.alt":  {"An image description", "وصف الصورة"},

	"err.encoding":        {"%s is not valid text.", "%s ليس نصًا صالحًا."},
	"err.control":         {"%s contains control characters.", "%s يحوي محارف تحكّم."},
	"err.too_long":        {"%s is too long: %d characters, at most %d.", "%s أطول من اللازم: %d محرفًا، والحدّ %d."},
	"err.name_empty":      {"Enter a name.", "أدخل اسمًا."},
	"err.text_empty":      {"Write something first.", "اكتب شيئًا أولًا."},
	"compose.alt":         {"Describe each image, one line per image (read aloud to people who cannot see it):", "صِف كل صورة، سطرًا لكل صورة (يُقرأ لمن لا يراها):"},
	"compose.alt_hint":    {"e.g. A street market at dusk, lanterns over the stalls", "مثلًا: سوق شعبي عند الغروب، وفوانيس فوق البسطات"},
	"err.alt_count":       {"%d image descriptions for %d images: one line per image.", "%d أوصاف لـ%d صور: سطر واحد لكل صورة."},
	"err.images":          {"At most %d images per post.", "%d صور على الأكثر في كل منشور."},
	"err.image_size":      {"The image is too large: %d KiB, at most %d KiB.", "الصورة كبيرة جدًا: %d كيلوبايت، والحدّ %d."},
	"err.image_type":      {"Only JPEG, PNG, GIF and WebP images.", "الصور المقبولة: JPEG وPNG وGIF وWebP فقط."},
	"err.image_clean":     {"This image cannot be cleaned of its hidden information (such as where it was taken), so it was not published. Save it again as JPEG or PNG and try again.", "تعذّر تنظيف هذه الصورة من معلوماتها المخفية (كمكان التقاطها)، فلم تُنشر. احفظها من جديد بصيغة JPEG أو PNG وأعد المحاولة."},
	"err.image_pixels":    {"The image has too many pixels: %d million, at most %d million.", "في الصورة بكسلات كثيرة جدًا: %d مليون، والحدّ %d مليون."},
	"err.identity_exists": {"There is an identity here already.", "توجد هوية هنا بالفعل."},
	"err.no_parent":       {"The post you reply to is not in your timeline.", "المنشور الذي تردّ عليه ليس في خطّك الزمني."},
	"err.no_post":         {"There is no such post.", "لا يوجد منشور كهذا."},
	"err.feed_uri":        {"That is not the address of a person on hams, nor an invite link.", "هذا ليس عنوانًا لشخص في همس، ولا رابط دعوة."},
	"err.follow_self":     {"That is your own address.", "هذا عنوانك أنت."},
	"err.follows":         {"You follow as many people as a feed can list (%d).", "تتابع أقصى عدد يتسع له الموجز (%d)."},
	"err.import_file":     {"That is not an identity file exported by hams social.", "هذا ليس ملف هوية صدّرته همس."},
	"err.no_identity":     {"Create or import an identity first.", "أنشئ هوية أو استوردها أولًا."},
	"err.node":            {"The node cannot be reached. Start it (hams node) and try again; what you wrote is still here.", "تعذّر الوصول إلى العقدة. شغّلها (hams node) وأعد المحاولة؛ ما كتبته ما زال هنا."},
	"err.other":           {"Something went wrong on this computer, and this was not done. Try again; if it keeps happening, the window where hams social runs says why.", "حدث خطأ على هذا الحاسوب، فلم يتمّ هذا. أعد المحاولة؛ وإن تكرّر، فالنافذة التي يعمل فيها hams social تذكر السبب."},
	"err.too_big":         {"The form is too large.", "النموذج أكبر من المسموح."},
}

// addTexts adds texts to the catalogue: each i18n_*.go file brings those
// of its part of the interface. A key defined twice is a programming error.
func addTexts(m map[string][2]string) {
	for k, v := range m {
		if _, dup := catalog[k]; dup {
			panic("social: interface text " + k + " is defined twice")
		}
		catalog[k] = v
	}
}

// tr returns the text of key in lang, formatted with args; an argument that
// is itself a catalogue key (a field name) is translated first.
func tr(lang, key string, args ...any) string {
	e, ok := catalog[key]
	if !ok {
		return key
	}
	s := e[0]
	if lang == langAR {
		s = e[1]
	}
	if len(args) == 0 {
		return s
	}
	for i, a := range args {
		if k, ok := a.(string); ok {
			if _, ok := catalog[k]; ok && strings.HasPrefix(k, "field.") {
				args[i] = tr(lang, k)
			}
		}
	}
	return fmt.Sprintf(s, args...)
}

// trIso is tr with one argument that a person wrote (a name, a list of
// names), isolated in <bdi dir="auto">: its own direction then cannot
// reorder the sentence around it (an Arabic name in an English sentence,
// a Latin one in Arabic).
func trIso(lang, key, arg string) template.HTML {
	const mark = "\x00"
	before, after, _ := strings.Cut(tr(lang, key, mark), mark)
	return template.HTML(template.HTMLEscapeString(before) + `<bdi dir="auto">` + template.HTMLEscapeString(arg) + `</bdi>` + template.HTMLEscapeString(after))
}

// langOf picks the interface language: the "lang" cookie, else the first
// of Arabic and English in Accept-Language, else English.
func langOf(r *http.Request) string {
	if c, err := r.Cookie("hams_lang"); err == nil && (c.Value == langAR || c.Value == langEN) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(q) == "q=0" {
			continue
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		switch base {
		case langAR:
			return langAR
		case langEN:
			return langEN
		}
	}
	return langEN
}

// dirOf is the text direction of a language.
func dirOf(lang string) string {
	if lang == langAR {
		return "rtl"
	}
	return "ltr"
}
