/** A button that copies a text (a token, a snippet, a link) and says so. */
import { useState } from 'react';
import { Check, Copy } from 'lucide-react';
import { toast } from './toast.js';

/** The clipboard API needs a secure context; a page served over plain http elsewhere falls back to a selection. */
export async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = value;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

export function CopyButton({ text, label = 'Copy', done = 'Copied' }: { text: string; label?: string; done?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="copy"
      onClick={() =>
        void copyText(text).then((ok) => {
          toast(ok ? done : 'Could not copy: select the text and copy it yourself', ok ? 'info' : 'error');
          if (!ok) return;
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        })
      }
    >
      {copied ? <Check size={14} aria-hidden="true" /> : <Copy size={14} aria-hidden="true" />}
      {label}
    </button>
  );
}
