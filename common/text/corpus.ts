/**
 * The built-in corpus the mock's answers are cut from. Plain ASCII words, commas and full stops
 * only, so that every word splits into tokens the same way alone as in any concatenation (the
 * tokenizer's pre-split never joins a word to its neighbour); that is what keeps counts exact.
 */
export const CORPUS = `
The river had been rising for three days before anyone in the valley thought to move the animals to higher ground.
By the time the council met, the water had already reached the old mill, and the miller stood on his porch counting the boards that floated past.
Most people agreed that the bridge would hold, although nobody could say exactly why they believed it.
A good system is measured by how it behaves when things go wrong, not by how it looks when everything is calm.
Engineers learn this slowly, usually at night, usually while reading logs that were written by someone in a hurry.
The first rule of measurement is to know what you are measuring, and the second is to write it down before you forget.
Latency is the time you wait, throughput is the work you finish, and the two are always trading places when the queue begins to grow.
In the small town library there was a shelf of maps that nobody had opened in years, each one drawn by hand with careful lines and faded ink.
The children liked to trace the rivers with their fingers and invent names for the islands that the mapmaker had forgotten to label.
When the storm finally passed, the sky turned a pale green color, and the birds returned to the fields as if nothing had happened.
Every request carries a small story, a prompt that asks for something and an answer that arrives one piece at a time.
The kitchen smelled of bread and rosemary, and the radio played a quiet song about a sailor who never came home.
She opened the window, listened to the rain, and decided that the letter could wait until the morning.
Good tools are simple on the outside and careful on the inside, which is why they are harder to build than they look.
A careful reader notices the numbers that do not add up, the dates that move, and the names that change between chapters.
The market opened early, with farmers selling apples, onions, honey, and bright red peppers from wooden crates.
Over the mountains the train slowed to a crawl, and the passengers pressed their faces to the glass to watch the snow fall on the pines.
Science moves forward when someone writes down a prediction that could be wrong and then goes out to check it.
The old clock in the hall ran five minutes fast, and the family had long ago stopped trying to correct it.
In the end, the bridge held, the water went down, and the miller spent the summer repairing the wheel with his two sons.
`;
