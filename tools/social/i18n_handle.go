package social

// The interface texts of check words (handles) and invites, added to the
// catalogue (key → [English, Arabic]).
func init() {
	addTexts(map[string][2]string{
		"handle.label":  {"Check words:", "كلمات التحقق:"},
		"handle.help":   {"Ask this person to read you the check words their app shows for them: if they are the same, this is the person you know. The words only check; to follow someone, use their invite link or QR code.", "اطلب من هذا الشخص أن يقرأ عليك كلمات التحقق التي يعرضها تطبيقه له: إن تطابقت فهو الشخص الذي تعرفه. الكلمات للتحقق فقط؛ أما المتابعة فبرابط دعوته أو رمز QR الخاص به."},
		"search.handle": {"To find someone by their check words, type all six, in English or Arabic.", "لتجد شخصًا بكلمات التحقق الخاصة به، اكتبها كلها، وهي ست كلمات، بالعربية أو بالإنجليزية."},
		"handle.mine":   {"Your check words. People who know you can compare them with the words their app shows for you, to be sure they follow you and not someone posing as you.", "كلمات التحقق الخاصة بك. يستطيع من يعرفك مقارنتها بالكلمات التي يعرضها تطبيقه لك، ليتأكد أنه يتابعك أنت لا من ينتحل شخصيتك."},

		"invite.title":   {"Invite people to follow you", "ادعُ الآخرين لمتابعتك"},
		"invite.text":    {"Let a friend scan this code, or send them the link: it opens hams on their own computer, where hams social runs, ready to follow you. Then read your check words to each other.", "دع صديقك يمسح هذا الرمز، أو أرسل إليه الرابط: يفتح همس على حاسوبه هو، حيث يعمل hams social، جاهزًا لمتابعتك. ثم اقرآ كلمات التحقق معًا."},
		"invite.qr_alt":  {"QR code of the invite link to follow %s", "رمز QR لرابط الدعوة لمتابعة %s"},
		"invite.link":    {"Invite link", "رابط الدعوة"},
		"invite.address": {"Your address, to paste into the follow box of hams social", "عنوانك، لِلصقه في خانة المتابعة في hams social"},
		"invite.more":    {"Invite with a QR code or a link", "ادعُ برمز QR أو برابط"},
		"invite.opened":  {"An invite to follow", "دعوة للمتابعة"},
		"invite.from":    {"This invite is to follow %s.", "هذه دعوة لمتابعة %s."},
		"invite.already": {"You follow this person already.", "أنت تتابع هذا الشخص بالفعل."},
		"invite.check":   {"Check the words with the person who gave you the invite, then press Follow below.", "تحقّق من الكلمات مع من أعطاك الدعوة، ثم اضغط «تابِع» أدناه."},
	})
}
