/**
 * Held-out labelled set for the benchmark: written after the detectors were tuned on the round-trip
 * corpus (test/anonymization/corpus.ts) and not used for tuning. Markup: `[[TAG|value]]` (see
 * test/anonymization/labelled.ts). Passages also contain look-alikes that must NOT be detected: ISO
 * dates, money, ZIP+4 codes, version numbers, bare case captions, capitalised defined terms.
 */
import { type LabelledText, parseLabelled } from '../test/anonymization/labelled.js';

export const HELD_OUT_MARKUP: readonly string[] = [
  // contracts
  `This Software License Agreement is made as of 2026-01-15 between [[O|Quillon Systems Inc.]] ("Licensor") and [[O|Farrowdale Retail Ltd]] ("Licensee"). The Licensee shall pay USD 2026.50 per seat.`,
  `Notices. Any notice to the Supplier shall be addressed to [[P|Benedikt Krause]], [[O|Krause Metallbau GmbH]], and copied to [[E|b.krause@krause-metallbau.de]]. Telephone: [[T|+49 89 2180 5566]].`,
  `The Consultant's fees shall be remitted to IBAN [[I|NO93 8601 1117 947]] held in the name of [[P|Ingeborg Dahl]]. Invoices must quote matter [[M|IDL-2025-0311]].`,
  `4.2 The Tenant shall not assign this Lease without the prior written consent of the Landlord, [[O|Greyfriars Estates Limited]], such consent not to be unreasonably withheld. Rent is payable on the Quarter Days.`,
  `Escrow Agent: [[O|Sterling Escrow Services LLC]]. Escrow Account: [[I|BE68 5390 0754 7034]]. Authorised signatories: [[P|Patricia Nwosu]] and [[P|Howard Bleecker]].`,
  `This Amendment No. 2 amends the Supply Agreement between [[O|Tamarind Foods Pvt Ltd]] and [[O|Coastline Grocers Inc.]] dated 2024-11-30. All other terms remain in full force and effect.`,
  `Key Person. The Fund shall notify investors if [[P|Alessandro Ricci]] or [[P|Yuki Tanaka]] ceases to devote substantially all of their business time to [[O|Fenwick Ridge Capital]].`,
  `The Employee acknowledges receipt of the Employee Handbook. Employee: [[P|Carlos Mendoza]]. SSN: [[S|521-44-8093]]. Start Date: 2026-02-02. Manager: [[P|Rachel Goldberg]].`,
  `Payment of the Deposit (GBP 25,000.00) shall be made to [[I|GB15 MIDL 4005 1512 3456 78]] within 5 Business Days. The Deposit is non-refundable save as set out in Clause 7.`,
  `Data Processing Addendum. Controller: [[O|Albion Health Partners]]. Processor: [[O|Cloudveil Technologies Ltd]]. Sub-processor hosting is located at [[IP|203.0.113.118]] and [[IP|203.0.113.119]].`,
  `Guarantee. In consideration of [[O|Pembroke Finance plc]] making the Facility available, [[P|Simon Ashdown]] irrevocably guarantees payment. Reference [[M|PF-2026-0450]].`,
  `Schedule 1 (Parties): (1) [[O|Oceanic Cargo Lines S.A.]], Panama; (2) [[O|Hafen Logistik AG]], Hamburg; (3) [[O|Meridian Shipbrokers Ltd]], London.`,
  // e-mails
  `From: [[P|Natalia Wozniak]] <[[E|natalia.wozniak@gdansk-legal.pl]]>
Sent: Tuesday
Subject: [[M|GL-2026-0014]] – settlement figures

Dear [[P|Martin]],
Our client will accept EUR 180,000. Please confirm by return. You can reach me on [[T|+48 58 555 21 40]].
Regards,
[[P|Natalia]]`,
  `Hi [[P|Kwame]],
Just checking whether [[O|Asante Cocoa Exports]] signed the term sheet. [[P|Efua]] mentioned they wanted changes to clause 3.
Cheers,
[[P|Daniel]]`,
  `Dear Sir or Madam,
I am writing on behalf of my client, [[P|Beatriz Carvalho]], regarding invoice 2025-118 (amount 1,250.00 EUR). Please remit to [[I|PT50 0002 0123 1234 5678 9015 4]].
Yours faithfully,
[[P|Tiago Moreira]]
[[O|Moreira & Costa Advogados]]`,
  `[[P|Helen]] — the board pack is at [[U|https://boardportal.example.net/packs/2026-03]]. Password goes by text to [[T|+1 415 555 0186]]. Don't forward please. [[P|Greg]]`,
  `Dear Professor [[P|Adebayo]],
Thank you for agreeing to act as expert in Case No. [[K|2:25-cv-00714]]. Your engagement reference is [[M|EXP-2026-0021]]. Invoices can be sent to [[E|accounts@whitmoreandlane.com]].`,
  `To: [[P|Fiona McAllister]]
Cc: [[P|Rory Buchanan]]
Re: Highland Distillers acquisition

[[P|Fiona]], I've uploaded the disclosure letter to [[U|https://vdr.example.co.uk/highland]] — let me know if the link fails.`,
  `Good afternoon,
Please note our new bank details: [[O|Lindqvist & Berg AB]], IBAN [[I|SE45 5000 0000 0583 9825 7466]]. Any questions, contact [[P|Maja Berg]] ([[E|maja.berg@lindqvistberg.se]]).`,
  `Dear Mr. [[P|Haddad]],
Further to our call, we confirm that [[O|Cedar Point Insurance Company]] has reserved its rights. Our file number is [[M|CPI-2025-7781]].
Yours sincerely,
[[P|Georgina Platt]]`,
  `Hey [[P|Ravi]] — can you re-run the conflict search for "[[O|Okafor Petroleum Holdings]]"? [[P|Ngozi]] thinks there's a match with matter [[M|2024.0893]].`,
  `Dear [[P|Ms. Lindgren]],`.replace('[[P|Ms. Lindgren]]', 'Ms. [[P|Lindgren]]') +
    ` your appointment with Dr. [[P|Farid Rahimi]] is confirmed. If you need to reschedule, call [[T|(206) 555-0117]] or visit [[U|www.pugetsoundclinic.example.org/appointments]].`,
  // chat
  `whats the card on file for [[P|Zoe Martins]]? [[C|4012 8888 8888 1881]]? she says it was declined`,
  `pls update my address, my ssn is [[S|602-19-4417]] and my old email [[E|bigdave1979@hotmail.example]] is dead`,
  `ok. [[P|Mateo]] and [[P|Valentina]] will handle discovery, [[P|Hiroshi Yamamoto]] does the privilege log`,
  `the api is down again?? [[IP|2001:db8:4:7::2]] times out and so does [[IP|198.51.100.201]]`,
  `can you summarise the attached complaint for me. plaintiff is [[P|Laura Kensington]], defendant [[O|Apex Fitness Clubs Inc.]], filed under No. [[K|23-CV-9912]]`,
  `thx [[P|Omar]]! also forward the invoice to [[E|finance@tidewater-marine.example]] pls`,
  `the client's visa card is [[C|4000 0000 0000 0002]], amex backup [[C|3714 496353 98431]]. charge the filing fee to the first`,
  `I'm [[P|Aditi Sharma]], paralegal at [[O|Sharma Verma & Co.]] — need a first draft of a cease and desist to [[O|Brightline Media Ltd]]`,
  `not sure if [[P|Bongani]] got the message, try his cell [[T|+27 21 555 0143]]`,
  `rewrite this more politely: "[[P|Jack]], the deadline for [[M|TRX-2026-04]] was yesterday and nothing came in."`,
  // legal citations and memos
  `The standard for summary judgment is set out in [[K|Celotex Corp. v. Catrett, 477 U.S. 317, 322 (1986)]] and [[K|Anderson v. Liberty Lobby, Inc., 477 U.S. 242 (1986)]].`,
  `Compare [[K|Miranda v. Arizona, 384 U.S. 436 (1966)]] with [[K|Dickerson v. United States, 530 U.S. 428 (2000)]]. Note that Roe v. Wade is cited only by caption in the brief.`,
  `Defendant relies on [[K|Ashcroft v. Iqbal, 556 U.S. 662 (2009)]]; the motion to dismiss in Case No. [[K|1:26-cv-00281]] is fully briefed.`,
  `The Second Circuit in [[K|Kirschner v. KPMG LLP, 938 F.3d 62 (2d Cir. 2019)]] held that the notes were not securities.`,
  `The California court followed [[K|Tarasoff v. Regents of University of California, 17 Cal.3d 425 (1976)]] on the duty to warn.`,
  `Bankruptcy Case No. [[K|24-10567]]: the debtor, [[O|Halvorsen Marine Holdings]], filed schedules listing [[P|Erik Halvorsen]] as guarantor.`,
  `Research memo ([[M|LIT-2026-0201]]): [[K|In re Facebook, Inc. Internet Tracking Litigation, 956 F.3d 589 (9th Cir. 2020)]] is the leading case on intrusion upon seclusion.`,
  `[[P|Katherine Osei-Bonsu]] argued that [[K|Mapp v. Ohio, 367 U.S. 643 (1961)]] controlled. The court disagreed.`,
  `See also [[K|Bell Atlantic Corp. v. Twombly, 550 U.S. 544 (2007)]]. Plaintiff's opposition is due 2026-05-01.`,
  `Index No. [[K|654321-2025]] — [[P|Rosalind Faraday]] v. [[O|Metro Transit Authority]]. Counsel for petitioner: [[P|Jerome Blackwood]].`,
  // mixed / technical / negatives
  `Version 4.2.1 of the tool was released on 2026-03-12. It costs $19.99 per month. Ship to 90210-1234. Call the main line at 555-0100 for support hours.`,
  `Audit log: login by [[E|m.ferreira@portoseguros.example]] from [[IP|192.0.2.211]] at 09:14:22; second attempt from [[IP|2001:db8:abcd:12::5]] blocked.`,
  `Please pay the outstanding balance of $2,026.45 by 2026-06-30. Reference your account number ending 4471, not your matter number.`,
  `New client intake — Name: [[P|Olumide Adeyemi]]; DOB: 1984-07-22; Phone: [[T|07700 900781]]; Email: [[E|olumide.a@example.co.uk]]; Referrer: [[O|Pennant Law LLP]].`,
  `The Confidential Information, Intellectual Property Rights and Deliverables shall vest in the Customer upon payment. The Effective Date is the date of the last signature below.`,
  `Server inventory: web01 [[IP|10.0.4.11]], web02 [[IP|10.0.4.12]], db01 [[IP|10.0.5.20]]. Admin contact [[P|Tobias Lange]].`,
  `The customer portal [[U|https://my.greenfieldenergy.example.com/account]] shows a direct debit from [[I|IE29 AIBK 9311 5212 3456 78]] for [[P|Niamh O'Sullivan]].`,
  `Expense claim for [[P|Leon Fischer]]: taxi 45.50, hotel 2019.00, card used [[C|5105 1051 0510 5100]].`,
  `Please update the signature block: [[P|Amelia Grant]], Senior Associate, [[O|Whitmore & Lane LLP]], [[T|+44 20 7946 0321]], [[E|amelia.grant@whitmoreandlane.com]].`,
  `The SSN field contains [[S|287-65-4321]] for [[P|Robert Kowalski]]; the other number 000-12-3456 is a placeholder and invalid.`,
];

export const HELD_OUT: readonly LabelledText[] = HELD_OUT_MARKUP.map(parseLabelled);

/**
 * Blind set: written last, scored once, never used to change the detectors. Its numbers are the most
 * honest estimate of accuracy on unseen text.
 */
export const BLIND_MARKUP: readonly string[] = [
  `Subject: Onboarding – [[P|Thandiwe Mokoena]]
Hi all, please welcome [[P|Thandiwe]], who joins [[O|Karoo Renewables (Pty) Ltd]] as legal counsel on Monday. Her number is [[T|+27 11 555 0199]].`,
  `Reminder: the retainer invoice for [[M|RN-2026-0062]] is overdue. Please pay by card ([[C|5273 9999 0000 0003]]) or transfer to [[I|LU28 0019 4006 4475 0000]].`,
  `The Buyer shall deliver the Closing Statement to the Seller's representative, [[P|Gwendolyn Price]], at least three Business Days before Closing.`,
  `Can you double-check the IP allow-list? We added [[IP|198.51.100.64]] for the [[O|Harbour Point Partners]] office but [[P|Felix]] still can't log in.`,
  `In [[K|Gonzales v. Raich, 545 U.S. 1 (2005)]], the Court upheld federal power under the Commerce Clause.`,
  `Per my call with [[P|Oksana Petrenko]] this morning, [[O|Dnipro Agro Holdings]] will sign the LOI if the exclusivity period is cut to 30 days.`,
  `The plaintiff, [[P|Harriet Vance]], filed suit in the Southern District of New York, Case No. [[K|1:26-cv-02231]], alleging breach of fiduciary duty by [[O|Calder Wealth Advisors LLC]].`,
  `My SSN is [[S|468-37-2205]] and my date of birth is 1990-03-14. I need to update my W-4.`,
  `Dear Dr. [[P|Okonjo]],
Your results are available on the patient portal at [[U|https://portal.riverbendhealth.example.org/results]]. For questions, call [[T|(503) 555-0164]].
Riverbend Health`,
  `yo [[P|Marco]], the staging db moved to [[IP|10.12.0.33]] — creds in the vault, not slack pls`,
  `The Court in [[K|Daubert v. Merrell Dow Pharmaceuticals, Inc., 509 U.S. 579 (1993)]] set the standard for expert testimony.`,
  `Payment details for [[O|Vasquez Construction Group]]: IBAN [[I|DK50 0040 0440 1162 43]], reference [[M|VCG-2025-330]].`,
  `[[P|Imogen]] — [[P|Barnaby Holt]] from [[O|Holt & Sons Removals]] called again about the damaged piano. He wants a callback on [[T|07700 900654]].`,
  `Please file the notice of appearance in Docket No. [[K|25-2281]] and serve [[E|counsel@fairbanksllp.example]] by 5 pm.`,
  `Expense report: [[P|Anders Nilsson]], trip to the [[O|Volvera Automotive AB]] plant, paid with card [[C|4917 6100 0000 0000]].`,
  `From: [[P|Kaveh Tehrani]]
To: [[P|Lucía Ferrer]]
[[P|Lucía]], attached is the draft SPA for [[M|MA-2026-0019]]. The counterparty's counsel is [[P|Aurelio Benedetti]] at [[O|Benedetti Rinaldi Studio Legale]].`,
  `We were unable to verify the account [[I|FI21 1234 5600 0007 85]] provided by [[P|Sirpa Korhonen]]. Please ask her to resend a bank letter.`,
  `The cited decision, [[K|Mathews v. Eldridge, 424 U.S. 319 (1976)]], requires a balancing of interests before benefits are terminated.`,
  `Hi [[P|Tariq]], the renewal quote from [[O|Northstar Mutual Insurance Company]] is attached. Premium is USD 48,200.00.`,
  `Reach me at [[E|priyanka.desai@lumenbio.example.com]] or [[T|+91 22 5550 1234]]. Regards, [[P|Priyanka Desai]], [[O|Lumen Biosciences Pvt Ltd]]`,
  `The tenant, [[P|Moses Abara]], has paid rent late four times. The property manager, [[O|Greenleaf Residential Management LLC]], wants to serve notice.`,
  `Access log anomaly: [[IP|2001:db8:ff00:42::8329]] made 900 requests to [[U|https://api.example-payments.com/v2/charges]] in one minute.`,
  `Counsel's attention is drawn to [[K|Caparo Industries plc v. Dickman, 2 A.C. 605]] on the three-stage test for a duty of care.`,
  `Thanks [[P|Hamid]]! I've booked the room. [[P|Dana]] will bring the exhibits for the [[O|Westbrook Capital Management]] deposition.`,
  `Settlement funds of EUR 75,000 shall be paid into the client account of [[O|Keller Brandt Rechtsanwälte]] (IBAN [[I|DE77 1001 0010 0123 4567 89]]).`,
  `The arbitrator, [[P|Sir Geoffrey Lyle]]`.replace('[[P|Sir Geoffrey Lyle]]', 'Sir [[P|Geoffrey Lyle]]') +
    `, issued the award on 2026-02-19 in matter [[M|2026.0311]].`,
  `Need a summary of the lease for [[P|Esther Kaplan]], unit 4B. Her previous landlord was [[O|Bayview Realty]].`,
  `SSN on the W-2 is [[S|391-27-6644]], employee [[P|Trevor Banks]], employer [[O|Cascade Timber Products Inc.]]`,
];

export const BLIND: readonly LabelledText[] = BLIND_MARKUP.map(parseLabelled);
