/**
 * The full emoji picker, loaded only when someone opens it: its data is most of its weight, and the
 * first screen needs none of it. Native emoji, so nothing is fetched from anywhere else.
 */
import Picker, { EmojiStyle, Theme } from 'emoji-picker-react';

export default function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const dark = document.documentElement.dataset.theme === 'dark';
  return (
    <Picker
      emojiStyle={EmojiStyle.NATIVE}
      theme={dark ? Theme.DARK : Theme.LIGHT}
      lazyLoadEmojis
      autoFocusSearch
      width={320}
      height={380}
      previewConfig={{ showPreview: false }}
      onEmojiClick={(data) => onPick(data.emoji)}
    />
  );
}
