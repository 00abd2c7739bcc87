"""Phrase banks of the demo model (``scenarios/demo.py``): English, French, German and Spanish.

Each bank holds the words the model detects a language and a register by, and the templates it composes a
reply from. ``{topic}`` in a template is replaced by one to three salient words of the question (quoted the
way the language quotes, or a neutral "this topic" when the question has none). Casual templates address the
reader informally (tu, du, tú); formal ones use vous, Sie, usted. Body sentences are impersonal, so they fit
both registers. Every opening, closing and greeting is one sentence (greetings two), so a brief reply can be
held to two sentences.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PhraseBank:
    """Everything the demo model says in one language."""

    stopwords: frozenset[str]
    greetings: tuple[str, ...]  # lowercase greeting phrases a message may start with
    informal: frozenset[str]  # pronouns of the informal "you" (tu, du, tú): a casual register
    question_words: frozenset[str]  # first words that make a message a question (or a request)
    list_triggers: frozenset[str]  # words asking for steps, ideas or a list
    and_word: str
    quotes: tuple[str, str]
    default_topic: str
    openings: dict[tuple[str, str], tuple[str, ...]]  # (kind, register) -> one-sentence openings
    body: tuple[str, ...]
    list_intros: dict[str, tuple[str, ...]]  # register -> intro lines ending in a colon
    list_items: tuple[str, ...]
    closings: dict[str, tuple[str, ...]]  # register -> one-sentence closings
    greeting_replies: dict[str, tuple[str, ...]]  # register -> short greeting and offer to help
    summaries: tuple[str, ...]  # reasoning summaries: bold title, blank line, one paragraph


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that never make a greeting a real question ("hi there", "ça va ?", "wie geht's?", "¿qué tal?").
SMALL_TALK = _words(
    "there everyone everybody all folks guys friend friends up sup going doing today morning evening "
    "va vas allez tout monde geht gehts dir ihnen tal estás estas qué tal "
    "help aide aider hilfe helfen ayuda ayudar ayudarme"
)

# Words and signs of a casual register (emoji are detected separately).
CASUAL_MARKERS = _words(
    "hey hi hiya yo sup lol lmao haha hahaha omg btw pls plz thx gonna wanna cool dude "
    "salut coucou mdr ptdr stp ouais bah ouf "
    "na moin servus jo krass digga hallo "
    "oye hola jaja jajaja porfa tío guay"
)
CASUAL_SIGNS = ("!", ":)", ";)", ":D", "xD", ":-)", "^^")

# Verbs and adjectives questions are built around, which make poor topics ("how does X work", "best Y").
NOT_TOPIC = _words(
    "work works working learn make makes making get use using start improve become find choose write build "
    "cook understand better best good great bad "
    "fonctionne fonctionnent marche marchent faire donner apprendre utiliser commencer choisir trouver "
    "améliorer écrire comprendre meilleur meilleure meilleurs bon bonne "
    "funktioniert funktionieren geben machen lernen benutzen nutzen anfangen finden wählen verbessern "
    "schreiben verstehen besten beste bester gut gute "
    "funciona funcionan dar hacer aprender usar empezar elegir encontrar mejorar escribir entender mejor "
    "mejores buen buena "
    "want need know like think thanks thank something anything thing things really maybe way "
    "façon manière moyen weg art manera forma "
    "merci voudrais veux savoir chose danke möchte wissen etwas gracias quiero saber algo"
)

# Words in ``instructions`` that ask for a short answer.
BRIEF_WORDS = _words(
    "brief briefly short shorter concise concisely terse tersely succinct succinctly "
    "bref brève brèves court courte courtes concis concise "
    "kurz kurze kurzen knapp knappe prägnant "
    "breve breves corto corta cortas cortos conciso concisa"
)

ENGLISH = PhraseBank(
    stopwords=_words(
        "the a an and or but if of to in on at for with about from by as is are was were be been being do does "
        "did have has had i you he she it we they me my your our their this that these those what which who whom "
        "whose when where why how can could would should will shall may might must not no yes so than then there "
        "here just also very too more most some any all each into out up down over under again please tell "
        "explain give show don doesn isn aren s t between through during before after against without within among "
        "since until"
    ),
    greetings=("good morning", "good afternoon", "good evening", "hello", "hiya", "howdy", "hey", "hi", "yo"),
    question_words=_words(
        "what which who whom whose when where why how can could would should will is are do does did "
        "explain tell describe give show list suggest"
    ),
    list_triggers=_words("how steps step ideas idea list tips ways suggestions checklist"),
    informal=frozenset(),
    and_word="and",
    quotes=("", ""),
    default_topic="this topic",
    openings={
        ("question", "casual"): (
            "Oh, {topic}, nice one!",
            "Ha, {topic}, I love this kind of question!",
            "Sure thing, let's talk about {topic}!",
        ),
        ("question", "formal"): (
            "That is a thoughtful question about {topic}.",
            "Thank you for asking about {topic}.",
            "Here is a short overview of {topic}.",
        ),
        ("statement", "casual"): (
            "Got it, so we're talking about {topic}!",
            "Nice, thanks for bringing up {topic}!",
            "Cool, I see where you're going with {topic}!",
        ),
        ("statement", "formal"): (
            "Thank you for sharing your thoughts on {topic}.",
            "That is an interesting point about {topic}.",
            "I understand that you are interested in {topic}.",
        ),
    },
    body=(
        "The key idea behind {topic} is to start from what is already known and build up one piece at a time.",
        "Most people find that {topic} becomes much clearer once they look at a concrete example rather than "
        "the theory alone.",
        "A useful way to approach it is to separate the essential parts from the details that only matter later.",
        "In practice, a lot depends on the context, so it helps to be clear about the goal before choosing a method.",
        "There is rarely a single right answer here, but a few simple principles hold up well in most situations.",
        "It is worth remembering that small, steady steps usually beat one big effort made all at once.",
        "Experts often point out that the common mistakes around {topic} come from skipping the basics.",
        "Looking at how others have handled {topic} can save a lot of time and avoid familiar pitfalls.",
        "Once the fundamentals are in place, the more advanced aspects tend to fall into place naturally.",
        "A quick test or a rough first draft often reveals more than hours of planning on paper.",
    ),
    list_intros={
        "casual": ("Here's what I'd try:", "A few quick ideas:", "Quick rundown:"),
        "formal": ("Here are a few steps to consider:", "One possible approach:", "Some points to keep in mind:"),
    },
    list_items=(
        "Start with the basics of {topic}",
        "Define a clear, realistic goal",
        "Gather a few reliable sources",
        "Try a small example first",
        "Note what works and what does not",
        "Ask for feedback early on",
        "Review and adjust as you go",
        "Keep a short list of open questions",
    ),
    closings={
        "casual": (
            "Hope that helps, have fun with it!",
            "Shout if you want more detail!",
            "Happy to dig deeper if you like!",
        ),
        "formal": (
            "I hope this helps; feel free to ask if you would like more detail.",
            "Please let me know if you would like me to expand on any point.",
            "I would be glad to go into more depth on any of these aspects.",
        ),
    },
    greeting_replies={
        "casual": ("Hey there! What can I do for you today?", "Hi! What's on your mind?", "Hey! How can I help?"),
        "formal": (
            "Hello! How can I help you today?",
            "Good day! What can I do for you?",
            "Hello, and welcome! How may I assist you?",
        ),
    },
    summaries=(
        "**Understanding the question**\n\nThe user is asking about {topic}. I should give a clear overview, "
        "mention a few practical points and offer to go deeper if needed.",
        "**Planning the answer**\n\nThe request concerns {topic}. First I will sum up the essentials, then give "
        "concrete advice without drowning the reader in detail.",
    ),
)

FRENCH = PhraseBank(
    stopwords=_words(
        "le la les un une des du de d l et ou mais si à au aux en dans sur pour par avec sans sous est sont était "
        "être avoir ai as ont je tu il elle nous vous ils elles on me te se moi toi ce cet cette ces ça cela qui "
        "que quoi quel quelle quels quelles comment pourquoi où quand ne pas plus très aussi bien mon ma mes ton "
        "ta tes son sa ses notre votre leur leurs peux peut pouvez faire fait c qu j n y expliquer explique "
        "expliquez dire chez vers entre depuis pendant avant après contre selon comme"
    ),
    greetings=("bonjour", "bonsoir", "coucou", "salut"),
    question_words=_words(
        "que quoi quel quelle quels quelles qui comment pourquoi où quand est peux peut pouvez explique "
        "expliquez dis dites donne donnez décris décrivez"
    ),
    list_triggers=_words("comment étapes étape idées idée liste conseils astuces façons moyens"),
    informal=_words("tu toi te t ton ta tes"),
    and_word="et",
    quotes=("« ", " »"),
    default_topic="ce sujet",
    openings={
        ("question", "casual"): (
            "Ah, {topic}, bonne question !",
            "Oh, {topic}, j'adore ce genre de question !",
            "Allez, parlons de {topic} !",
        ),
        ("question", "formal"): (
            "Merci pour votre question sur {topic}.",
            "Voici un bref aperçu au sujet de {topic}.",
            "C'est une question intéressante à propos de {topic}.",
        ),
        ("statement", "casual"): (
            "D'accord, on parle de {topic} alors !",
            "Sympa, merci de parler de {topic} !",
            "Je vois où tu veux en venir avec {topic} !",
        ),
        ("statement", "formal"): (
            "Merci d'avoir partagé votre point de vue sur {topic}.",
            "C'est une remarque intéressante au sujet de {topic}.",
            "Je comprends votre intérêt pour {topic}.",
        ),
    },
    body=(
        "Pour {topic}, l'idée essentielle est de partir de ce que l'on sait déjà et d'avancer une étape à la fois.",
        "En général, tout devient beaucoup plus clair dès que l'on regarde un exemple concret plutôt que la seule "
        "théorie.",
        "Une bonne méthode consiste à séparer l'essentiel des détails qui ne comptent que plus tard.",
        "Dans la pratique, tout dépend du contexte, donc il vaut mieux clarifier l'objectif avant de choisir une "
        "méthode.",
        "Il y a rarement une seule bonne réponse, mais quelques principes simples fonctionnent dans la plupart des "
        "cas.",
        "Il faut garder à l'esprit que de petits pas réguliers valent souvent mieux qu'un gros effort ponctuel.",
        "Les spécialistes rappellent souvent que les erreurs courantes autour de {topic} viennent d'une base négligée.",
        "Observer comment d'autres ont abordé {topic} permet de gagner du temps et d'éviter les pièges classiques.",
        "Une fois les bases en place, les aspects plus avancés s'enchaînent assez naturellement.",
        "Un petit essai ou un premier brouillon en apprend souvent plus que des heures de planification.",
    ),
    list_intros={
        "casual": ("Voilà ce que je ferais :", "Quelques idées en vrac :", "En gros :"),
        "formal": ("Voici quelques étapes à envisager :", "Une démarche possible :", "Quelques points à retenir :"),
    },
    list_items=(
        "Commencer par les bases de {topic}",
        "Fixer un objectif clair et réaliste",
        "Réunir quelques sources fiables",
        "Essayer d'abord un petit exemple",
        "Noter ce qui marche et ce qui ne marche pas",
        "Demander un avis extérieur assez tôt",
        "Revoir et ajuster au fur et à mesure",
        "Garder une courte liste de questions ouvertes",
    ),
    closings={
        "casual": (
            "J'espère que ça t'aide, amuse-toi bien !",
            "Dis-moi si tu veux plus de détails !",
            "Je peux creuser davantage si tu veux !",
        ),
        "formal": (
            "J'espère que cela vous aide ; n'hésitez pas si vous souhaitez plus de détails.",
            "Dites-moi si vous voulez que je développe un point en particulier.",
            "Je serais ravi d'approfondir l'un de ces aspects avec vous.",
        ),
    },
    greeting_replies={
        "casual": (
            "Salut ! Qu'est-ce que je peux faire pour toi ?",
            "Coucou ! Tu as une question ?",
            "Salut ! Comment je peux t'aider ?",
        ),
        "formal": (
            "Bonjour ! Comment puis-je vous aider aujourd'hui ?",
            "Bonjour et bienvenue ! Que puis-je faire pour vous ?",
            "Bonjour ! En quoi puis-je vous être utile ?",
        ),
    },
    summaries=(
        "**Comprendre la question**\n\nLa question porte sur {topic}. Je vais donner un aperçu clair, citer "
        "quelques points pratiques et proposer d'approfondir si besoin.",
        "**Organiser la réponse**\n\nLa demande concerne {topic}. Il faut d'abord rappeler l'essentiel, puis "
        "donner des conseils concrets, sans entrer dans trop de détails.",
    ),
)

GERMAN = PhraseBank(
    stopwords=_words(
        "der die das den dem des ein eine einen einem einer eines und oder aber wenn als wie was wer wo warum "
        "wann welche welcher welches ist sind war waren bin bist hat haben habe hast wird werden kann kannst "
        "können muss soll ich du er sie es wir ihr mich dich mir dir uns euch mein dein unser euer nicht kein "
        "keine mit von zu zum zur auf im am für über unter bei nach aus auch noch schon sehr dass bitte man gibt "
        "sich erklären erkläre erklär durch gegen ohne um vor hinter zwischen während wegen seit bis"
    ),
    greetings=("guten morgen", "guten tag", "guten abend", "grüß gott", "servus", "hallo", "moin"),
    question_words=_words(
        "was wer wie wo warum wann welche welcher welches wieso weshalb kann kannst können ist sind gibt hast "
        "erkläre erklären erklär beschreibe nenne gib zeig"
    ),
    list_triggers=_words("wie schritte schritt ideen idee liste tipps wege vorschläge"),
    informal=_words("du dich dir dein deine deinen deinem deiner kannst hast weißt"),
    and_word="und",
    quotes=("„", "“"),
    default_topic="dieses Thema",
    openings={
        ("question", "casual"): (
            "Oh, {topic}, gute Frage!",
            "Ah, {topic}, spannendes Thema!",
            "Cool, reden wir über {topic}!",
        ),
        ("question", "formal"): (
            "Vielen Dank für Ihre Frage zu {topic}.",
            "Hier ist ein kurzer Überblick zum Thema {topic}.",
            "Das ist eine durchdachte Frage zum Thema {topic}.",
        ),
        ("statement", "casual"): (
            "Alles klar, es geht also um {topic}!",
            "Cool, danke, dass du {topic} ansprichst!",
            "Ich sehe, worauf du mit {topic} hinauswillst!",
        ),
        ("statement", "formal"): (
            "Vielen Dank, dass Sie Ihre Gedanken zu {topic} teilen.",
            "Das ist ein interessanter Punkt zum Thema {topic}.",
            "Ich verstehe, dass Sie sich für {topic} interessieren.",
        ),
    },
    body=(
        "Bei {topic} geht es vor allem darum, bei dem anzufangen, was man schon weiß, und Schritt für Schritt "
        "darauf aufzubauen.",
        "Meistens wird alles viel klarer, sobald man sich ein konkretes Beispiel ansieht statt nur die Theorie.",
        "Hilfreich ist es, das Wesentliche von den Details zu trennen, die erst später wichtig werden.",
        "In der Praxis hängt vieles vom Kontext ab, deshalb lohnt es sich, zuerst das Ziel zu klären.",
        "Es gibt selten die eine richtige Antwort, aber einige Grundsätze bewähren sich in den meisten Fällen.",
        "Man sollte nicht vergessen, dass kleine, regelmäßige Schritte meist mehr bringen als ein großer Kraftakt.",
        "Fachleute weisen oft darauf hin, dass typische Fehler bei {topic} aus übersprungenen Grundlagen entstehen.",
        "Ein Blick darauf, wie andere {topic} angegangen sind, spart viel Zeit und vermeidet bekannte Stolperfallen.",
        "Sobald die Grundlagen sitzen, ergeben sich die fortgeschrittenen Aspekte oft ganz von selbst.",
        "Ein kurzer Test oder ein erster Entwurf zeigt oft mehr als stundenlange Planung auf dem Papier.",
    ),
    list_intros={
        "casual": ("Das würde ich probieren:", "Ein paar schnelle Ideen:", "Kurz gesagt:"),
        "formal": (
            "Hier sind einige mögliche Schritte:",
            "Ein möglicher Ansatz:",
            "Einige Punkte, die man beachten sollte:",
        ),
    },
    list_items=(
        "Mit den Grundlagen von {topic} anfangen",
        "Ein klares, realistisches Ziel festlegen",
        "Ein paar verlässliche Quellen sammeln",
        "Zuerst ein kleines Beispiel ausprobieren",
        "Notieren, was funktioniert und was nicht",
        "Früh um Rückmeldung bitten",
        "Unterwegs prüfen und nachjustieren",
        "Eine kurze Liste offener Fragen führen",
    ),
    closings={
        "casual": (
            "Hoffe, das hilft, viel Spaß damit!",
            "Sag Bescheid, wenn du mehr wissen willst!",
            "Ich kann gern noch tiefer einsteigen, wenn du magst!",
        ),
        "formal": (
            "Ich hoffe, das hilft Ihnen; fragen Sie gern, wenn Sie mehr Details wünschen.",
            "Lassen Sie mich wissen, ob ich einen Punkt weiter ausführen soll.",
            "Gern gehe ich auf einzelne Aspekte noch genauer ein.",
        ),
    },
    greeting_replies={
        "casual": (
            "Hey! Was kann ich für dich tun?",
            "Hallo! Was liegt dir auf dem Herzen?",
            "Moin! Wie kann ich helfen?",
        ),
        "formal": (
            "Guten Tag! Wie kann ich Ihnen helfen?",
            "Hallo und willkommen! Was kann ich für Sie tun?",
            "Guten Tag! Womit kann ich Ihnen behilflich sein?",
        ),
    },
    summaries=(
        "**Die Frage verstehen**\n\nEs wird nach {topic} gefragt. Ich sollte einen klaren Überblick geben, einige "
        "praktische Punkte nennen und anbieten, bei Bedarf tiefer einzusteigen.",
        "**Die Antwort gliedern**\n\nDie Anfrage betrifft {topic}. Zuerst fasse ich das Wesentliche zusammen, dann "
        "gebe ich konkrete Hinweise, ohne zu sehr ins Detail zu gehen.",
    ),
)

SPANISH = PhraseBank(
    stopwords=_words(
        "el la los las un una unos unas y o pero si de del a al en con sin por para sobre es son era ser estar "
        "está están hay he ha han yo tú tu él ella nosotros vosotros ellos ellas usted me te se mi mis su sus "
        "nuestro que qué cómo como cuál cuáles dónde cuándo porque no más muy también ya lo le les esto esta "
        "este eso esa ese puedo puedes puede hacer explicar explica explícame "
        "entre hacia hasta desde durante según contra tras ante"
    ),
    greetings=("buenos días", "buenas tardes", "buenas noches", "buenas", "hola"),
    question_words=_words(
        "qué cuál cuáles quién quiénes cómo dónde cuándo cuánto cuántos por puedes puede podrías hay es son "
        "explica explícame explique dime dame describe"
    ),
    list_triggers=_words("cómo pasos paso ideas idea lista consejos maneras formas"),
    informal=_words("tú ti te tu tus puedes sabes tienes"),
    and_word="y",
    quotes=("«", "»"),
    default_topic="este tema",
    openings={
        ("question", "casual"): (
            "¡Ah, {topic}, buena pregunta!",
            "¡Uy, {topic}, me encanta este tipo de pregunta!",
            "¡Venga, hablemos de {topic}!",
        ),
        ("question", "formal"): (
            "Gracias por su pregunta sobre {topic}.",
            "Aquí tiene un breve resumen sobre {topic}.",
            "Es una pregunta interesante acerca de {topic}.",
        ),
        ("statement", "casual"): (
            "¡Vale, entonces hablamos de {topic}!",
            "¡Genial, gracias por sacar el tema de {topic}!",
            "¡Ya veo por dónde vas con {topic}!",
        ),
        ("statement", "formal"): (
            "Gracias por compartir su opinión sobre {topic}.",
            "Es un punto interesante acerca de {topic}.",
            "Entiendo su interés por {topic}.",
        ),
    },
    body=(
        "Con {topic}, la idea clave es partir de lo que ya se sabe y avanzar paso a paso.",
        "Por lo general, todo resulta mucho más claro cuando se mira un ejemplo concreto y no solo la teoría.",
        "Una buena forma de abordarlo es separar lo esencial de los detalles que solo importan más adelante.",
        "En la práctica, todo depende del contexto, así que conviene aclarar el objetivo antes de elegir un método.",
        "Rara vez hay una única respuesta correcta, pero algunos principios funcionan bien en la mayoría de los casos.",
        "Vale la pena recordar que los pasos pequeños y constantes suelen dar más resultado que un gran esfuerzo.",
        "Los expertos suelen señalar que los errores comunes con {topic} vienen de saltarse lo básico.",
        "Ver cómo otros han abordado {topic} ahorra mucho tiempo y evita los errores de siempre.",
        "Una vez que las bases están claras, los aspectos más avanzados suelen encajar de forma natural.",
        "Una prueba rápida o un primer borrador a menudo enseña más que horas de planificación sobre el papel.",
    ),
    list_intros={
        "casual": ("Yo probaría esto:", "Unas ideas rápidas:", "En resumen:"),
        "formal": ("Estos son algunos pasos a considerar:", "Un posible enfoque:", "Algunos puntos a tener en cuenta:"),
    },
    list_items=(
        "Empezar por lo básico de {topic}",
        "Definir un objetivo claro y realista",
        "Reunir algunas fuentes fiables",
        "Probar primero con un ejemplo pequeño",
        "Anotar lo que funciona y lo que no",
        "Pedir opiniones desde el principio",
        "Revisar y ajustar sobre la marcha",
        "Llevar una lista corta de preguntas abiertas",
    ),
    closings={
        "casual": (
            "¡Espero que te sirva, que lo disfrutes!",
            "¡Dime si quieres más detalles!",
            "¡Puedo profundizar más si te apetece!",
        ),
        "formal": (
            "Espero que le sea útil; no dude en preguntar si desea más detalles.",
            "Indíqueme si quiere que amplíe algún punto.",
            "Con gusto puedo profundizar en cualquiera de estos aspectos.",
        ),
    },
    greeting_replies={
        "casual": (
            "¡Hola! ¿Qué puedo hacer por ti?",
            "¡Hola, qué tal! ¿En qué te ayudo?",
            "¡Hola! ¿Cómo te puedo ayudar?",
        ),
        "formal": (
            "¡Buenos días! ¿En qué puedo ayudarle?",
            "¡Hola y bienvenido! ¿Qué puedo hacer por usted?",
            "¡Buenas! ¿Cómo puedo ayudarle hoy?",
        ),
    },
    summaries=(
        "**Entender la pregunta**\n\nLa pregunta trata sobre {topic}. Conviene dar una visión clara, mencionar "
        "algunos puntos prácticos y ofrecer más detalle si hace falta.",
        "**Organizar la respuesta**\n\nEl tema es {topic}. Primero resumir lo esencial y luego dar consejos "
        "concretos, sin entrar en demasiados detalles.",
    ),
)

# Detection order doubles as the tie-break: English wins ties, and is the fallback for undetected languages.
BANKS: dict[str, PhraseBank] = {"en": ENGLISH, "fr": FRENCH, "de": GERMAN, "es": SPANISH}
